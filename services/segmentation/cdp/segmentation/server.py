"""build_server(app, address, verifier): segmentation, its feed and the DSR participant, with health."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health

from cdp.api.privacy.v1 import participant_service_pb2_grpc as participant_grpc
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as feed_grpc
from cdp.api.segmentation.v1 import segmentation_service_pb2_grpc as pb_grpc
from cdp.grpcx import server as grpc_server
from cdp.grpcx.tokens import TokenVerifier
from cdp.segmentation.bootstrap import App
from cdp.segmentation.feed_servicer import FeedServicer
from cdp.segmentation.participant import ParticipantServicer
from cdp.segmentation.servicer import SegmentationServicer


def build_server(
    app: App, address: str, verifier: TokenVerifier, max_workers: int = 48
) -> tuple[grpc.Server, int, health.HealthServicer]:
    registrations = [
        grpc_server.registration(pb_grpc, SegmentationServicer(app)),
        grpc_server.registration(feed_grpc, FeedServicer(app)),
        grpc_server.registration(participant_grpc, ParticipantServicer(app)),
    ]
    return grpc_server.build_server(registrations, address, verifier, max_workers=max_workers)
