"""Clients of every service's DataSubjectParticipantService, and of identity's ResolveSubject."""

from __future__ import annotations

import json
from collections.abc import Sequence

import grpc

from cdp.api.identity.v1 import identifier_pb2, identity_service_pb2, identity_service_pb2_grpc
from cdp.api.privacy.v1 import participant_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as pb_grpc
from cdp.consent.domain.requests import Subject
from cdp.errors import NotFound, Unavailable

FENCE_TIMEOUT = 5.0
WORK_TIMEOUT = 120.0


def to_proto(subject: Subject) -> pb.Subject:
    return pb.Subject(
        subject_ids=subject.subject_ids,
        blind_indexes=subject.blind_indexes,
        profiles=subject.profiles,
    )


class GrpcParticipant:
    """One service's share of a request, over gRPC; errors surface as exceptions for the worker."""

    def __init__(self, service: str, channel: grpc.Channel) -> None:
        self.service = service
        self._stub = pb_grpc.DataSubjectParticipantServiceStub(channel)

    def fence(self, request: str, subject: Subject) -> int:
        message = pb.FenceSubjectRequest(request=request, subject=to_proto(subject))
        return self._stub.FenceSubject(message, timeout=FENCE_TIMEOUT).suppressed_count

    def erase(self, request: str, subject: Subject) -> dict[str, int]:
        message = pb.EraseSubjectRequest(request=request, subject=to_proto(subject))
        return dict(self._stub.EraseSubject(message, timeout=WORK_TIMEOUT).counts)

    def export(self, request: str, subject: Subject) -> dict:
        message = pb.ExportSubjectRequest(request=request, subject=to_proto(subject))
        return json.loads(
            self._stub.ExportSubject(message, timeout=WORK_TIMEOUT).document_json or b"{}"
        )

    def restrict(self, request: str, subject: Subject, restricted: bool) -> dict[str, int]:
        message = pb.RestrictSubjectRequest(
            request=request, subject=to_proto(subject), restricted=restricted
        )
        return {"records": self._stub.RestrictSubject(message, timeout=WORK_TIMEOUT).affected_count}


class GrpcIdentityResolver:
    def __init__(self, channel: grpc.Channel) -> None:
        self._stub = identity_service_pb2_grpc.IdentityServiceStub(channel)

    def resolve(
        self, identifiers: Sequence[tuple[str, str]], profiles: Sequence[str] = ()
    ) -> Subject:
        request = identity_service_pb2.ResolveSubjectRequest(
            identifiers=[identifier_pb2.Identifier(type=t, value=v) for t, v in identifiers],
            profiles=profiles,
        )
        try:
            subject = self._stub.ResolveSubject(request, timeout=10).subject
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound("PROFILE_NOT_FOUND", "no such profile") from err
            raise Unavailable(
                "IDENTITY_UNAVAILABLE", "the identity service did not answer; retry"
            ) from err
        return Subject(
            list(subject.subject_ids), list(subject.blind_indexes), list(subject.profiles)
        )
