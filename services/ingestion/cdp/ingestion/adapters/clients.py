"""gRPC clients of ingestion's peers: consent's KeyService behind the vault, identity for the events."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as identity_grpc
from cdp.errors import Unavailable
from cdp.pii.vault import KeySource, SubjectKey

RESOLVE_DEADLINE = 30.0


class KeyServiceUnavailable(Unavailable):
    def __init__(self, code: str) -> None:
        super().__init__(
            "KEY_SERVICE_UNAVAILABLE", "data keys could not be fetched; retry", peer_code=code
        )


class ReportingKeySource:
    """A key source whose transport failures surface as UNAVAILABLE (retryable), not INTERNAL."""

    def __init__(self, inner: KeySource) -> None:
        self._inner = inner

    def get_keys(self, subject_ids: Sequence[str], create: bool) -> dict[str, SubjectKey]:
        try:
            return self._inner.get_keys(subject_ids, create)
        except grpc.RpcError as exc:
            raise KeyServiceUnavailable(exc.code().name) from None


class IdentityClient:
    def __init__(self, channel: grpc.Channel, timeout: float = RESOLVE_DEADLINE) -> None:
        self._stub = identity_grpc.IdentityServiceStub(channel)
        self._timeout = timeout

    def resolve_events(self, request: identity_pb.ResolveEventsRequest) -> int:
        return self._stub.ResolveEvents(request, timeout=self._timeout).resolved_count
