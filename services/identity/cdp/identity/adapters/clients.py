"""Identity's gRPC peers: profile (resolved events, merges, splits) and consent (read audits)."""

from __future__ import annotations

import grpc

from cdp.api.profile.v1 import profile_service_pb2 as pb

APPLY_METHOD = "/cdp.api.profile.v1.ProfileService/ApplyProfileChanges"
DEADLINE_SECONDS = 30.0


class ProfileChangesClient:
    """ApplyProfileChanges with an already serialized request."""

    def __init__(self, channel: grpc.Channel, timeout: float = DEADLINE_SECONDS) -> None:
        # Outbox entries are serialized requests already: the bytes go out as they are, without
        # parsing and re-encoding thousands of events.
        self._apply = channel.unary_unary(
            APPLY_METHOD,
            request_serializer=None,
            response_deserializer=pb.ApplyProfileChangesResponse.FromString,
        )
        self._timeout = timeout

    def apply(self, request: bytes) -> None:
        self._apply(request, timeout=self._timeout)
