"""Peer clients: identity (LookupProfile, ListProfileIdentities) and consent (RecordDataAccess)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import grpc

from cdp.api.identity.v1 import identifier_pb2
from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as pb_grpc
from cdp.errors import FailedPrecondition, InvalidArgument, Unavailable
from cdp.grpcx.status import error_info
from cdp.profile.domain.commands import IdentifierRef, profile_id, profile_name
from cdp.profile.domain.errors import IdentifierNotFound
from cdp.profile.domain.model import Identity


class IdentityUnavailable(Unavailable):
    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__(
            "IDENTITY_UNAVAILABLE", "the identity service did not answer", code=code.name
        )


class GrpcIdentityDirectory:
    def __init__(self, channel: grpc.Channel, timeout: float = 5.0) -> None:
        self._stub = pb_grpc.IdentityServiceStub(channel)
        self._timeout = timeout

    def lookup_profile(self, identifier: IdentifierRef) -> str:
        request = pb.LookupProfileRequest(
            identifier=identifier_pb2.Identifier(type=identifier.type, value=identifier.value)
        )
        try:
            response = self._stub.LookupProfile(request, timeout=self._timeout)
        except grpc.RpcError as err:
            raise _lookup_error(err, identifier.type) from None
        return profile_id(response.profile, "identifier")

    def request_identities(
        self, profile_ids: Sequence[str]
    ) -> Callable[[], dict[str, list[Identity]]]:
        """All calls start at once; the returned callable collects their answers."""
        calls = {
            p: self._stub.ListProfileIdentities.future(
                pb.ListProfileIdentitiesRequest(profile=profile_name(p)), timeout=self._timeout
            )
            for p in dict.fromkeys(profile_ids)
        }
        return lambda: {p: self._identities(call) for p, call in calls.items()}

    def _identities(self, call: grpc.Future) -> list[Identity]:
        try:
            response = call.result()
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                return []  # identity has not seen the profile (yet): it has no identifiers
            raise _refusal(err) or IdentityUnavailable(err.code()) from None
        return [
            Identity(i.type, i.value, i.link_time.ToMicroseconds(), i.message_id)
            for i in response.identities
        ]


def _lookup_error(err: grpc.RpcError, id_type: str) -> Exception:
    """NOT_FOUND passes through as NOT_FOUND; a bad identifier stays INVALID_ARGUMENT."""
    if err.code() == grpc.StatusCode.NOT_FOUND:
        return IdentifierNotFound(id_type)
    if err.code() == grpc.StatusCode.INVALID_ARGUMENT:
        info = error_info(err)
        reason = info.reason if info is not None and info.reason else "INVALID_IDENTIFIER"
        return InvalidArgument(reason, "the identifier is not valid", field="identifier")
    return _refusal(err) or IdentityUnavailable(err.code())


def _refusal(err: grpc.RpcError) -> Exception | None:
    """Identity's deliberate refusal (the person is restricted) is passed on as it is, not as an
    outage: retrying it would never help."""
    info = error_info(err)
    if err.code() == grpc.StatusCode.FAILED_PRECONDITION and info is not None and info.reason:
        return FailedPrecondition(
            info.reason, "the person's data is restricted", **dict(info.metadata)
        )
    return None
