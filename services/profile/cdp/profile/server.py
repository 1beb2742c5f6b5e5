"""build_server(app, address, verifier): ProfileService and the DSR participant, with health, reflection."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health

from cdp.api.privacy.v1 import participant_service_pb2_grpc as participant_grpc
from cdp.api.profile.v1 import profile_service_pb2_grpc as pb_grpc
from cdp.grpcx import server as grpc_server
from cdp.grpcx.tokens import TokenVerifier
from cdp.profile.bootstrap import App
from cdp.profile.participant import ParticipantServicer
from cdp.profile.servicer import ProfileServicer


def build_server(
    app: App, address: str, verifier: TokenVerifier, max_workers: int = 16
) -> tuple[grpc.Server, int, health.HealthServicer]:
    registrations = [
        grpc_server.registration(pb_grpc, ProfileServicer(app)),
        grpc_server.registration(participant_grpc, ParticipantServicer(app)),
    ]
    return grpc_server.build_server(registrations, address, verifier, max_workers=max_workers)
