"""IngestionService servicer: proto <-> handler calls, nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc as pb_grpc
from cdp.grpcx.interceptors import current_caller
from cdp.ingestion import mapping
from cdp.ingestion.service_layer import handlers


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
