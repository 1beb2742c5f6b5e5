"""Composition root of the ingestion service: no I/O at import time."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import grpc
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cdp.db import make_engine, upgrade
from cdp.db.outbox import Relay
from cdp.grpcx.keys import key_source as grpc_key_source
from cdp.ingestion.adapters.clients import IdentityClient, ReportingKeySource
from cdp.ingestion.adapters.orm import event_log, event_log_cursor
from cdp.ingestion.adapters.pipeline import IdentityDelivery, SuppressedEventFilter
from cdp.ingestion.adapters.repository import VaultOpener, VaultSealer
from cdp.ingestion.adapters.subjects import SuppressionLoader, checkpoint
from cdp.ingestion.domain.documents import DocumentSplitter
from cdp.ingestion.domain.suppression import SuppressionList
from cdp.ingestion.service_layer.handlers import Dependencies
from cdp.ingestion.service_layer.privacy import PrivacyDependencies
from cdp.ingestion.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from cdp.ingestion.settings import Settings
from cdp.pii import BlindIndexer, Vault
from cdp.pii.vault import KeySource

MIGRATIONS = Path(__file__).parent / "migrations"
RELAY_DESTINATION = "identity"


class KeyCache(Protocol):
    def invalidate(self, subject_ids: Sequence[str] | None = None) -> None: ...


class App:
    """The running service's parts; the relay to identity starts only when asked."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        deps: Dependencies,
        relay: Relay,
        channels: list[grpc.Channel],
        privacy: PrivacyDependencies,
        key_cache: KeyCache | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.deps = deps
        self.relay = relay
        self.privacy = privacy
        # The process's data-key cache, purged by FenceSubject (None: the key source keeps none).
        self.key_cache = key_cache
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
    """Migrates the database and wires the service; key_source defaults to the consent KeyService
    behind a TTL cache (an injected source is purged on fence when it has invalidate())."""
    common = settings.common
    _ensure_sqlite_dir(common.database_url)
    engine = make_engine(common.database_url)
    upgrade(engine, MIGRATIONS)
    channels: list[grpc.Channel] = []
    key_source, key_cache = _keys(settings, key_source, channels)
    suppression = SuppressionList()
    loader = SuppressionLoader(engine, suppression)
    loader.refresh()
    channels.append(common.peer_channel("identity"))
    identity = IdentityClient(channels[-1])
    relay = Relay(
        engine,
        event_log,
        event_log_cursor,
        RELAY_DESTINATION,
        IdentityDelivery(
            identity.resolve_events, screen=SuppressedEventFilter(suppression, loader.refresh)
        ),
    )
    vault = Vault(key_source)
    deps = Dependencies(
        splitter=DocumentSplitter(settings.pii_keys),
        sealer=VaultSealer(vault, BlindIndexer(common.index_key()), suppression),
        new_uow=lambda: SqlAlchemyUnitOfWork(engine, on_commit=relay.notify),
        suppression=suppression,
    )
    privacy = PrivacyDependencies(
        new_uow=lambda: SqlAlchemyUnitOfWork(engine),
        new_reader=lambda: SqlAlchemyUnitOfWork(engine, write=False),
        opener=VaultOpener(vault),
        refresh_suppression=loader.refresh,
        purge_keys=key_cache.invalidate if key_cache is not None else _keep,
        compact=functools.partial(checkpoint, engine),
    )
    return App(settings, engine, deps, relay, channels, privacy, key_cache)


def _keys(
    settings: Settings, key_source: KeySource | None, channels: list[grpc.Channel]
) -> tuple[KeySource, KeyCache | None]:
    """The key source and the cache that FenceSubject purges (None when it has no invalidate())."""
    if key_source is not None:
        return key_source, key_source if callable(getattr(key_source, "invalidate", None)) else None
    common = settings.common
    channels.append(common.peer_channel("consent"))
    cache = grpc_key_source(channels[-1], common.key_cache_ttl)
    return ReportingKeySource(cache), cache


def _keep(_subject_ids: Sequence[str]) -> None:
    """No key cache to purge: the injected key source is asked every time."""


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
