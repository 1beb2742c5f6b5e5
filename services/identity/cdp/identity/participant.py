"""DataSubjectParticipantService over gRPC: identity's share of data-subject requests, no logic here."""

from __future__ import annotations

import grpc

from cdp.api.privacy.v1 import participant_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as pb_grpc
from cdp.identity import privacy_mapping as mapping
from cdp.identity.bootstrap import App
from cdp.identity.service_layer import privacy


class ParticipantServicer(pb_grpc.DataSubjectParticipantServiceServicer):
    def __init__(self, app: App) -> None:
        self._app = app

    def FenceSubject(
        self, request: pb.FenceSubjectRequest, context: grpc.ServicerContext
    ) -> pb.FenceSubjectResponse:
        added = privacy.fence_subject(mapping.subject_request(request), self._app.new_uow())
        return pb.FenceSubjectResponse(suppressed_count=added)

    def EraseSubject(
        self, request: pb.EraseSubjectRequest, context: grpc.ServicerContext
    ) -> pb.EraseSubjectResponse:
        counts = privacy.erase_subject(mapping.subject_request(request), self._app.new_uow())
        return pb.EraseSubjectResponse(counts=counts)

    def ExportSubject(
        self, request: pb.ExportSubjectRequest, context: grpc.ServicerContext
    ) -> pb.ExportSubjectResponse:
        found = privacy.export_subject(mapping.subject_request(request), self._app.new_uow())
        return pb.ExportSubjectResponse(document_json=mapping.export_document(found))

    def RestrictSubject(
        self, request: pb.RestrictSubjectRequest, context: grpc.ServicerContext
    ) -> pb.RestrictSubjectResponse:
        changed = privacy.restrict_subject(mapping.restrict_subject(request), self._app.new_uow())
        return pb.RestrictSubjectResponse(affected_count=changed)
