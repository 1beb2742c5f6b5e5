"""An ingestion App on a real database (SQLite file and PostgreSQL), and a recording identity peer."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest

from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as identity_grpc
from cdp.ingestion.bootstrap import App, bootstrap
from cdp.ingestion.settings import Settings


class RecordingIdentity(identity_grpc.IdentityServiceServicer):
    """Stands in for the identity service at the pipeline hop: records what it is sent."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []
        self.calls = 0
        self._lock = threading.Lock()

    def ResolveEvents(self, request, context) -> identity_pb.ResolveEventsResponse:
        with self._lock:
            self.calls += 1
            self.message_ids.extend(event.message_id for event in request.events)
        return identity_pb.ResolveEventsResponse(resolved_count=len(request.events))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_identity(port: int, recorder: RecordingIdentity) -> grpc.Server:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    identity_grpc.add_IdentityServiceServicer_to_server(recorder, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server


@pytest.fixture
def identity_port() -> int:
    return free_port()


@pytest.fixture
def app(database_url: str, dev_dir: Path, keys, identity_port: int) -> Iterator[App]:
    env = {
        "CDP_DATA_DIR": str(dev_dir),
        "DATABASE_URL": database_url,
        "CDP_IDENTITY_ADDR": f"127.0.0.1:{identity_port}",
    }
    running = bootstrap(Settings.from_env(env), key_source=keys)
    yield running
    running.stop()
