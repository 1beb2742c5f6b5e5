"""build_server for the ingestion service: interceptors, health and reflection come from cdp.grpcx."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health

from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc
from cdp.api.privacy.v1 import participant_service_pb2_grpc
from cdp.grpcx import server as grpcx_server
from cdp.grpcx.tokens import TokenVerifier
from cdp.ingestion.bootstrap import App
from cdp.ingestion.servicer import IngestionServicer, ParticipantServicer


def build_server(
    app: App, address: str, verifier: TokenVerifier
) -> tuple[grpc.Server, int, health.HealthServicer]:
    registrations = [
        grpcx_server.registration(ingestion_service_pb2_grpc, IngestionServicer(app.deps)),
        grpcx_server.registration(participant_service_pb2_grpc, ParticipantServicer(app.privacy)),
    ]
    return grpcx_server.build_server(registrations, address, verifier)
