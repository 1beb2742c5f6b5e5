"""build_server for the consent service: ConsentService, PrivacyService and KeyService."""

from __future__ import annotations

import grpc

from cdp.api.consent.v1 import (
    key_service_pb2_grpc,
    privacy_service_pb2_grpc,
)
from cdp.consent.bootstrap import App
from cdp.consent.privacy_servicer import PrivacyServicer
from cdp.consent.servicer import KeyServicer
from cdp.grpcx import server as grpcx_server
from cdp.grpcx.tokens import TokenVerifier


def build_server(
    app: App, address: str, verifier: TokenVerifier
) -> tuple[grpc.Server, int, object]:
    registrations = [
        grpcx_server.registration(key_service_pb2_grpc, KeyServicer(app)),
        grpcx_server.registration(privacy_service_pb2_grpc, PrivacyServicer(app)),
    ]
    return grpcx_server.build_server(registrations, address, verifier)
