"""build_server for the consent service: ConsentService, PrivacyService and KeyService."""

from __future__ import annotations

import grpc

from cdp.api.consent.v1 import (
    consent_service_pb2_grpc,
    key_service_pb2_grpc,
    privacy_service_pb2_grpc,
)
from cdp.consent.bootstrap import App
from cdp.consent.consent_servicer import ConsentServicer
from cdp.consent.privacy_servicer import PrivacyServicer
from cdp.consent.servicer import KeyServicer
from cdp.grpcx import server as grpcx_server
from cdp.grpcx.tokens import TokenVerifier


def build_server(
    app: App, address: str, verifier: TokenVerifier, identity_channel: grpc.Channel | None = None
) -> tuple[grpc.Server, int, object]:
    consent = ConsentServicer(
        app.engine,
        app.indexer,
        app.audit,
        identity_channel=identity_channel or app.identity_channel,
        blocked=app.blocked,
        notify=app.consent_changed,
    )
    registrations = [
        grpcx_server.registration(consent_service_pb2_grpc, consent),
        grpcx_server.registration(key_service_pb2_grpc, KeyServicer(app)),
        grpcx_server.registration(privacy_service_pb2_grpc, PrivacyServicer(app)),
    ]
    return grpcx_server.build_server(registrations, address, verifier)
