"""IngestionService and DataSubjectParticipantService servicers: proto <-> handler calls, nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator

import grpc

from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc as pb_grpc
from cdp.api.privacy.v1 import participant_service_pb2 as privacy_pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as privacy_grpc
from cdp.grpcx.interceptors import current_caller
from cdp.ingestion import mapping
from cdp.ingestion.service_layer import handlers, privacy


class IngestionServicer(pb_grpc.IngestionServiceServicer):
    def __init__(self, deps: handlers.Dependencies) -> None:
        self._deps = deps

    def IngestEvents(
        self, request: pb.IngestEventsRequest, context: grpc.ServicerContext
    ) -> pb.IngestEventsResponse:
        results = handlers.ingest_events(mapping.batch_from_proto(request, _caller()), self._deps)
        return mapping.ingest_response(results)

    def ImportEvents(
        self, request_iterator: Iterator[pb.ImportEventsRequest], context: grpc.ServicerContext
    ) -> pb.ImportEventsResponse:
        source = _caller()
        batches = (mapping.batch_from_proto(chunk, source) for chunk in request_iterator)
        return mapping.import_response(handlers.import_events(batches, self._deps))


def _caller() -> str:
    """The authenticated caller names the source when the request does not."""
    caller = current_caller.get()
    return caller.subject if caller is not None else ""


class ParticipantServicer(privacy_grpc.DataSubjectParticipantServiceServicer):
    def __init__(self, deps: privacy.PrivacyDependencies) -> None:
        self._deps = deps

    def FenceSubject(
        self, request: privacy_pb.FenceSubjectRequest, context: grpc.ServicerContext
    ) -> privacy_pb.FenceSubjectResponse:
        added = privacy.fence_subject(mapping.subject_request(request), self._deps)
        return privacy_pb.FenceSubjectResponse(suppressed_count=added)

    def EraseSubject(
        self, request: privacy_pb.EraseSubjectRequest, context: grpc.ServicerContext
    ) -> privacy_pb.EraseSubjectResponse:
        counts = privacy.erase_subject(mapping.subject_request(request), self._deps)
        return privacy_pb.EraseSubjectResponse(counts=counts)

    def ExportSubject(
        self, request: privacy_pb.ExportSubjectRequest, context: grpc.ServicerContext
    ) -> privacy_pb.ExportSubjectResponse:
        document = privacy.export_subject(mapping.subject_request(request), self._deps)
        return privacy_pb.ExportSubjectResponse(
            document_json=json.dumps(document, ensure_ascii=False).encode()
        )

    def RestrictSubject(
        self, request: privacy_pb.RestrictSubjectRequest, context: grpc.ServicerContext
    ) -> privacy_pb.RestrictSubjectResponse:
        command = mapping.subject_request(request, restricted=request.restricted)
        return privacy_pb.RestrictSubjectResponse(
            affected_count=privacy.restrict_subject(command, self._deps)
        )
