"""Operator reads of personal data, audited before the answer leaves (privacy.md R22).

Shared by every service that serves personal data: the consent service's RecordDataAccess client,
and the rule (one entry per operator read; service-to-service reads are not operator reads; a read
that cannot be audited fails).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import grpc

from cdp.api.consent.v1 import privacy_service_pb2 as privacy_pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as privacy_grpc
from cdp.errors import Unavailable
from cdp.grpcx.interceptors import current_caller
from cdp.grpcx.roles import SERVICE

AUDIT_DEADLINE_SECONDS = 5.0


class AccessAuditor(Protocol):
    def record(self, actor: str, method: str, profiles: Sequence[str]) -> None:
        """Appends one entry for the read; raises (AUDIT_UNAVAILABLE) when it cannot."""
        ...


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


def audit_read(auditor: AccessAuditor | None, method: str, profile_names: Sequence[str]) -> None:
    """After the read, before the answer. No auditor is a deliberate choice of the composition root
    (tests), never a fallback; a caller the interceptor did not name is audited, never skipped."""
    caller = current_caller.get()
    if auditor is None or (caller is not None and SERVICE in caller.roles):
        return
    auditor.record(
        caller.subject if caller else "unknown", method, list(dict.fromkeys(profile_names))
    )
