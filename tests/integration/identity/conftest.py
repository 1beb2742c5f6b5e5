"""Identity wired for real on a database (SQLite file or PostgreSQL), with in-memory data keys."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass

import grpc
import pytest

from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.api.profile.v1 import profile_service_pb2 as profile_pb
from cdp.api.profile.v1 import profile_service_pb2_grpc as profile_grpc
from cdp.identity import mapping
from cdp.identity.bootstrap import App, bootstrap
from cdp.identity.domain import commands
from cdp.identity.service_layer import handlers
from cdp.identity.settings import Settings
from cdp.pii import BlindIndexer, Vault
from tests.unit.identity.builders import Ids, sealed_event


@dataclass
class IdentityHarness:
    """The app plus what ingestion would use to seal events for it (same index key, same keys)."""

    app: App
    settings: Settings
    indexer: BlindIndexer
    vault: Vault

    def events(self, *events: tuple[str, Ids], source: str = "web") -> commands.ResolveEvents:
        request = pb.ResolveEventsRequest(
            events=[sealed_event(self.indexer, self.vault, m, ids, source) for m, ids in events]
        )
        return mapping.resolve_events(request)

    def resolve(self, *events: tuple[str, Ids]) -> handlers.EventsResolved:
        return handlers.resolve_events(self.events(*events), self.app.new_uow(), self.app.rules)


def make_identity(dev_dir, database_url: str, keys, **env: str) -> IdentityHarness:
    settings = Settings.from_env(
        {
            "CDP_DATA_DIR": str(dev_dir),
            "DATABASE_URL": database_url,
            "CDP_PROFILE_ADDR": "127.0.0.1:9",
            **env,
        }
    )
    app = bootstrap(settings, key_source=keys)
    return IdentityHarness(app, settings, BlindIndexer(settings.common.index_key()), Vault(keys))


@pytest.fixture
def identity(dev_dir, database_url, keys) -> Iterator[IdentityHarness]:
    built = make_identity(dev_dir, database_url, keys)
    yield built
    built.app.stop()


class RecordingProfile(profile_grpc.ProfileServiceServicer):
    """Stands in for the profile service at the pipeline hop: records what identity delivers."""

    def __init__(self) -> None:
        self.changes: list[profile_pb.ProfileChange] = []
        self.calls = 0
        self.lock = threading.Lock()

    def ApplyProfileChanges(self, request, context):
        with self.lock:
            self.calls += 1
            self.changes.extend(request.changes)
        return profile_pb.ApplyProfileChangesResponse(applied_count=len(request.changes))


@pytest.fixture
def profile_server() -> Iterator[tuple[RecordingProfile, int, grpc.Server]]:
    recorder = RecordingProfile()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    profile_grpc.add_ProfileServiceServicer_to_server(recorder, server)
    port = server.add_insecure_port("127.0.0.1:0")
    yield recorder, port, server
    server.stop(grace=None)
