"""Composition root of the identity service: no I/O at import time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from cdp.db import make_engine, upgrade
from cdp.db.outbox import Relay
from cdp.grpcx.access import AccessAuditor, GrpcAccessAuditor
from cdp.grpcx.keys import key_source as grpc_key_source
from cdp.identity.adapters import orm
from cdp.identity.adapters.clients import ProfileChangesClient
from cdp.identity.adapters.pipeline import DESTINATION, ProfileDelivery
from cdp.identity.adapters.repository import IdentifierVault
from cdp.identity.domain.rules import Rules
from cdp.identity.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from cdp.identity.settings import Settings
from cdp.pii import BlindIndexer, Vault
from cdp.pii.keycache import CachedKeySource
from cdp.pii.vault import KeySource

MIGRATIONS = Path(__file__).parent / "migrations"


class Wiring(Enum):
    """bootstrap's default for a peer: the real client over the peer channel."""

    PEER = "peer"


class Closeable(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class App:
    engine: Engine
    identifiers: IdentifierVault
    rules: Rules
    relay: Relay
    channels: tuple[Closeable, ...]  # gRPC channels to peers
    # Operator reads are audited here; None only where a test builds the app without consent.
    auditor: AccessAuditor | None
    # This process's data-key cache, purged when a subject is fenced (None: keys are not cached here).
    key_cache: CachedKeySource | None = None

    def new_uow(self) -> SqlAlchemyUnitOfWork:
        """A factory, not an instance: the gRPC thread pool runs RPCs concurrently."""
        return SqlAlchemyUnitOfWork(self.engine, self.identifiers, on_outbox=self.relay.notify)

    def start_relay(self) -> None:
        self.relay.start()

    def stop(self) -> None:
        self.relay.stop()
        for channel in self.channels:
            channel.close()
        self.engine.dispose()


def bootstrap(
    settings: Settings,
    key_source: KeySource | None = None,
    auditor: AccessAuditor | Wiring | None = Wiring.PEER,
) -> App:
    """Migrates the database and wires the app; the relay to profile starts with start_relay().

    The auditor defaults to consent's RecordDataAccess over the peer channel (production always
    takes the default); tests pass a fake, or None to serve operator reads unaudited.
    """
    engine = make_engine(settings.common.database_url)
    upgrade(engine, MIGRATIONS)
    channels = [settings.common.peer_channel("profile")]
    if key_source is None:
        channels.append(settings.common.peer_channel("consent"))
        key_source = grpc_key_source(channels[-1], settings.common.key_cache_ttl)
    if auditor is Wiring.PEER:
        channels.append(settings.common.peer_channel("consent"))
        auditor = GrpcAccessAuditor(channels[-1], settings.common.service)
    key_cache = key_source if isinstance(key_source, CachedKeySource) else None
    identifiers = IdentifierVault(
        Vault(key_source),
        BlindIndexer(settings.common.index_key()),
        settings.rules,
        purge_keys=key_cache.invalidate if key_cache is not None else lambda _subject_ids: None,
    )
    relay = Relay(
        engine,
        orm.outbox,
        orm.outbox_cursor,
        DESTINATION,
        ProfileDelivery(ProfileChangesClient(channels[0]).apply),
        max_items=settings.relay_max_items,
        prune_interval=1.0,
    )
    return App(engine, identifiers, settings.rules, relay, tuple(channels), auditor, key_cache)
