"""The identity service client: a profile name to every subject id of the person behind it."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from cdp.api.identity.v1 import identifier_pb2
from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as pb_grpc
from cdp.consent.domain.consent import IdentifierRef
from cdp.errors import Unavailable


class IdentityUnavailable(Unavailable):
    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__(
            "IDENTITY_UNAVAILABLE", "the identity service did not answer", code=code.name
        )


class GrpcSubjectDirectory:
    def __init__(self, channel: grpc.Channel, timeout: float = 5.0) -> None:
        self._stub = pb_grpc.IdentityServiceStub(channel)
        self._timeout = timeout

    def subject_ids(self, profiles: Sequence[str]) -> dict[str, frozenset[str]]:
        """One ResolveSubject per profile (its answer merges everything asked), all in flight at once."""
        calls = {
            profile: self._stub.ResolveSubject.future(
                pb.ResolveSubjectRequest(profiles=[profile]), timeout=self._timeout
            )
            for profile in dict.fromkeys(profiles)
        }
        return {profile: self._answer(call) for profile, call in calls.items()}

    def profiles_of(self, identifier: IdentifierRef) -> list[str]:
        """Best effort: segmentation is told about these profiles; consent itself never needs it."""
        request = pb.ResolveSubjectRequest(
            identifiers=[identifier_pb2.Identifier(type=identifier.type, value=identifier.value)]
        )
        try:
            response = self._stub.ResolveSubject(request, timeout=self._timeout)
        except grpc.RpcError:
            return []  # unknown to identity yet: segmentation asks consent when the person appears
        return list(response.subject.profiles)

    def _answer(self, call: grpc.Future) -> frozenset[str]:
        try:
            response = call.result()
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                return frozenset()  # an unknown profile has no subject, so no consent
            raise IdentityUnavailable(err.code()) from None
        return frozenset(response.subject.subject_ids)
