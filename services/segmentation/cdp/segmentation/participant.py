"""DataSubjectParticipantService over gRPC: segmentation's share of data-subject requests."""

from __future__ import annotations

import json

import grpc

from cdp.api.privacy.v1 import participant_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as pb_grpc
from cdp.pii.subjects import Subject
from cdp.segmentation.bootstrap import App
from cdp.segmentation.service_layer import privacy, recipients


class ParticipantServicer(pb_grpc.DataSubjectParticipantServiceServicer):
    def __init__(self, app: App) -> None:
        self._ctx = app.context

    def FenceSubject(
        self, request: pb.FenceSubjectRequest, context: grpc.ServicerContext
    ) -> pb.FenceSubjectResponse:
        added = privacy.fence_subject(self._ctx, _subject(request.subject))
        return pb.FenceSubjectResponse(suppressed_count=added)

    def EraseSubject(
        self, request: pb.EraseSubjectRequest, context: grpc.ServicerContext
    ) -> pb.EraseSubjectResponse:
        counts = privacy.erase_subject(self._ctx, _subject(request.subject), request.request)
        return pb.EraseSubjectResponse(
            counts=counts, recipients_notified=recipients.recipients_in(counts)
        )

    def ExportSubject(
        self, request: pb.ExportSubjectRequest, context: grpc.ServicerContext
    ) -> pb.ExportSubjectResponse:
        document = privacy.export_subject(self._ctx, _subject(request.subject))
        encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return pb.ExportSubjectResponse(document_json=encoded)

    def RestrictSubject(
        self, request: pb.RestrictSubjectRequest, context: grpc.ServicerContext
    ) -> pb.RestrictSubjectResponse:
        subject = _subject(request.subject)
        return pb.RestrictSubjectResponse(
            affected_count=privacy.restrict_subject(self._ctx, subject, request.restricted)
        )


def _subject(subject: pb.Subject) -> Subject:
    return Subject.parse(
        list(subject.subject_ids), list(subject.blind_indexes), list(subject.profiles)
    )
