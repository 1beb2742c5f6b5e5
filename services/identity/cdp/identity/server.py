"""build_server(app, address, verifier) -> (server, port, health) for the identity service."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health

from cdp.api.identity.v1 import identity_service_pb2_grpc as pb_grpc
from cdp.api.privacy.v1 import participant_service_pb2_grpc as privacy_grpc
from cdp.grpcx import server as grpc_server
from cdp.grpcx.tokens import TokenVerifier
from cdp.identity.bootstrap import App
from cdp.identity.participant import ParticipantServicer
from cdp.identity.servicer import IdentityServicer


def build_server(
    app: App, address: str, verifier: TokenVerifier
) -> tuple[grpc.Server, int, health.HealthServicer]:
    registrations = [
        grpc_server.registration(pb_grpc, IdentityServicer(app)),
        grpc_server.registration(privacy_grpc, ParticipantServicer(app)),
    ]
    return grpc_server.build_server(registrations, address, verifier)
