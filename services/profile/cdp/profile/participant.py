"""DataSubjectParticipantService over gRPC: the profile service's share of data-subject requests."""

from __future__ import annotations

import json

import grpc

from cdp.api.privacy.v1 import participant_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as pb_grpc
from cdp.pii.subjects import Subject
from cdp.profile.bootstrap import App
from cdp.profile.domain.privacy import RestrictSubject, SubjectRequest
from cdp.profile.service_layer import privacy


class ParticipantServicer(pb_grpc.DataSubjectParticipantServiceServicer):
    def __init__(self, app: App) -> None:
        self._app = app

    def FenceSubject(
        self, request: pb.FenceSubjectRequest, context: grpc.ServicerContext
    ) -> pb.FenceSubjectResponse:
        added = privacy.fence_subject(
            _command(request), self._app.new_uow(write=True), self._app.purge_keys
        )
        return pb.FenceSubjectResponse(suppressed_count=added)

    def EraseSubject(
        self, request: pb.EraseSubjectRequest, context: grpc.ServicerContext
    ) -> pb.EraseSubjectResponse:
        counts = privacy.erase_subject(_command(request), self._app.new_uow(write=True))
        return pb.EraseSubjectResponse(counts=counts)

    def ExportSubject(
        self, request: pb.ExportSubjectRequest, context: grpc.ServicerContext
    ) -> pb.ExportSubjectResponse:
        document = privacy.export_subject(_command(request), self._app.new_uow())
        encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return pb.ExportSubjectResponse(document_json=encoded)

    def RestrictSubject(
        self, request: pb.RestrictSubjectRequest, context: grpc.ServicerContext
    ) -> pb.RestrictSubjectResponse:
        command = RestrictSubject(request.request, _subject(request.subject), request.restricted)
        changed = privacy.restrict_subject(command, self._app.new_uow(write=True))
        return pb.RestrictSubjectResponse(affected_count=changed)


def _command(
    request: pb.FenceSubjectRequest | pb.EraseSubjectRequest | pb.ExportSubjectRequest,
) -> SubjectRequest:
    return SubjectRequest(request.request, _subject(request.subject))


def _subject(subject: pb.Subject) -> Subject:
    return Subject.parse(
        list(subject.subject_ids), list(subject.blind_indexes), list(subject.profiles)
    )
