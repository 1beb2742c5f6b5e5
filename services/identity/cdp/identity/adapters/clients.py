"""Identity's gRPC peers: profile (resolved events, merges, splits) and consent (read audits)."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from cdp.api.consent.v1 import privacy_service_pb2 as privacy_pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as privacy_grpc
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.errors import Unavailable

APPLY_METHOD = "/cdp.api.profile.v1.ProfileService/ApplyProfileChanges"
DEADLINE_SECONDS = 30.0
AUDIT_DEADLINE_SECONDS = 5.0


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


class AuditUnavailable(Unavailable):
    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__(
            "AUDIT_UNAVAILABLE",
            "the read could not be audited, so nothing was returned",
            code=code.name,
        )


class GrpcAccessAuditor:
    """PrivacyService.RecordDataAccess on the consent service: one call per operator read."""

    def __init__(
        self, channel: grpc.Channel, service: str, timeout: float = AUDIT_DEADLINE_SECONDS
    ) -> None:
        self._stub = privacy_grpc.PrivacyServiceStub(channel)
        self._service = service
        self._timeout = timeout

    def record(self, actor: str, method: str, profiles: Sequence[str]) -> None:
        request = privacy_pb.RecordDataAccessRequest(
            actor=actor, method=method, profiles=list(profiles), service=self._service
        )
        try:
            self._stub.RecordDataAccess(request, timeout=self._timeout)
        except grpc.RpcError as err:
            # Whatever went wrong (down, slow, refused), the read is not audited: it must fail.
            raise AuditUnavailable(err.code()) from None
