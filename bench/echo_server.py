"""The baseline: an IngestionService that only parses the batch and answers ACCEPTED for every event.

It runs as its own process with the same gRPC server wiring as the real services (minus storage), so
the ratio against it shows what durability, sealing and validation cost on this machine.
"""

from __future__ import annotations

import sys
from concurrent import futures

import grpc

from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc as pb_grpc
from cdp.grpcx.server import SERVER_OPTIONS


class EchoIngestion(pb_grpc.IngestionServiceServicer):
    def IngestEvents(self, request, context):
        results = [
            pb.EventResult(index=i, message_id=e.message_id, status=pb.EVENT_STATUS_ACCEPTED)
            for i, e in enumerate(request.events)
        ]
        return pb.IngestEventsResponse(results=results, accepted_count=len(results))


def main(port: int) -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=SERVER_OPTIONS)
    pb_grpc.add_IngestionServiceServicer_to_server(EchoIngestion(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main(int(sys.argv[1]))
