"""Composition root of the ingestion service: no I/O at import time."""

from __future__ import annotations

import threading
from pathlib import Path

import grpc
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cdp.db import make_engine, upgrade
from cdp.db.outbox import Relay
from cdp.grpcx.keys import key_source as grpc_key_source
from cdp.ingestion.adapters.clients import IdentityClient, ReportingKeySource
from cdp.ingestion.adapters.orm import event_log, event_log_cursor
from cdp.ingestion.adapters.pipeline import IdentityDelivery
from cdp.ingestion.adapters.repository import VaultSealer
from cdp.ingestion.domain.documents import DocumentSplitter
from cdp.ingestion.service_layer.handlers import Dependencies
from cdp.ingestion.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from cdp.ingestion.settings import Settings
from cdp.pii import BlindIndexer, Vault
from cdp.pii.vault import KeySource

MIGRATIONS = Path(__file__).parent / "migrations"
RELAY_DESTINATION = "identity"


class App:
    """The running service's parts; the relay to identity starts only when asked."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        deps: Dependencies,
        relay: Relay,
        channels: list[grpc.Channel],
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.deps = deps
        self.relay = relay
        self._channels = channels
        self._relay_started = False
        self._lock = threading.Lock()

    def start_relay(self) -> None:
        with self._lock:
            if not self._relay_started:
                self.relay.start()
                self._relay_started = True

    def stop(self) -> None:
        with self._lock:
            if self._relay_started:
                self.relay.stop()
                self._relay_started = False
        for channel in self._channels:
            channel.close()
        self.engine.dispose()


def bootstrap(settings: Settings, key_source: KeySource | None = None) -> App:
    """Migrates the database and wires the service; key_source defaults to the consent KeyService."""
    common = settings.common
    _ensure_sqlite_dir(common.database_url)
    engine = make_engine(common.database_url)
    upgrade(engine, MIGRATIONS)
    channels: list[grpc.Channel] = []
    if key_source is None:
        channels.append(common.peer_channel("consent"))
        key_source = ReportingKeySource(grpc_key_source(channels[-1], common.key_cache_ttl))
    channels.append(common.peer_channel("identity"))
    identity = IdentityClient(channels[-1])
    relay = Relay(
        engine,
        event_log,
        event_log_cursor,
        RELAY_DESTINATION,
        IdentityDelivery(identity.resolve_events),
    )
    deps = Dependencies(
        splitter=DocumentSplitter(settings.pii_keys),
        sealer=VaultSealer(Vault(key_source), BlindIndexer(common.index_key())),
        new_uow=lambda: SqlAlchemyUnitOfWork(engine, on_commit=relay.notify),
    )
    return App(settings, engine, deps, relay, channels)


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
