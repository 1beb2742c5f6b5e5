"""The real ingestion server on 127.0.0.1:0 (build_server), with test keys as its key source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc as pb_grpc
from cdp.ingestion.bootstrap import App, bootstrap
from cdp.ingestion.server import build_server
from cdp.ingestion.settings import Settings


@dataclass
class Running:
    app: App
    stub: pb_grpc.IngestionServiceStub
    channel: grpc.Channel


@pytest.fixture
def running(dev_dir: Path, keys, tmp_path: Path) -> Iterator[Running]:
    env = {"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": f"sqlite:///{tmp_path / 'ingestion.db'}"}
    settings = Settings.from_env(env)
    app = bootstrap(settings, key_source=keys)
    server, port, _health = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    channel = grpc.insecure_channel(
        f"127.0.0.1:{port}", options=[("grpc.max_send_message_length", 8 << 20)]
    )
    try:
        yield Running(app, pb_grpc.IngestionServiceStub(channel), channel)
    finally:
        channel.close()
        server.stop(grace=None).wait(timeout=10)
        app.stop()


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]
