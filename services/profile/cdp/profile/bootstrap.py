"""Composition root: engine, migrations, vault, peer clients and the feed relay (no import-time I/O)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import grpc
from sqlalchemy import Engine

from cdp.db import make_engine, upgrade
from cdp.db.outbox import Relay
from cdp.grpcx.access import AccessAuditor, GrpcAccessAuditor
from cdp.grpcx.keys import key_source as grpc_key_source
from cdp.pii import Vault
from cdp.pii.vault import KeySource
from cdp.profile.adapters.clients import GrpcIdentityDirectory
from cdp.profile.adapters.relay import FeedClient, FeedDelivery, feed_relay
from cdp.profile.adapters.unit_of_work import SqlAlchemyUnitOfWork
from cdp.profile.service_layer.ports import IdentityDirectory
from cdp.profile.service_layer.unit_of_work import AbstractUnitOfWork
from cdp.profile.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "profile_alembic_version"


class Wiring(Enum):
    """bootstrap's default for a peer: the real client over the peer channel."""

    PEER = "peer"


@dataclass(frozen=True)
class App:
    # A factory, not an instance: the gRPC thread pool runs RPCs concurrently.
    new_uow: Callable[..., AbstractUnitOfWork]
    identity: IdentityDirectory
    # Operator reads are audited here; None only where a test builds the app without consent.
    auditor: AccessAuditor | None
    close: Callable[[], None]
    # Drops subjects' data keys from this process's key cache (FenceSubject).
    purge_keys: Callable[[Sequence[str]], None] = lambda _subject_ids: None
    # Delivers the outbox to segmentation once started; None when bootstrap was told not to.
    relay: Relay | None = None

    def start_relay(self) -> None:
        """The process lifecycle starts delivery (close() stops it)."""
        if self.relay is not None:
            self.relay.start()


def bootstrap(
    settings: Settings,
    key_source: KeySource | None = None,
    identity_channel: grpc.Channel | None = None,
    auditor: AccessAuditor | Wiring | None = Wiring.PEER,
    feed_channel: grpc.Channel | Wiring | None = Wiring.PEER,
) -> App:
    """Migrates the database to head and builds the App; close() releases what it opened.

    The auditor defaults to consent's RecordDataAccess over the peer channel (production always
    takes the default); tests pass a fake, or None to serve operator reads unaudited. The feed to
    segmentation defaults to its peer channel; tests pass their own, or None for no relay (the
    updates then stay in the outbox).
    """
    engine = make_engine(settings.common.database_url)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)
    owned: list[grpc.Channel] = []
    if key_source is None:
        owned.append(settings.common.peer_channel("consent"))
        key_source = grpc_key_source(owned[-1], settings.common.key_cache_ttl)
    if identity_channel is None:
        owned.append(identity_channel := settings.common.peer_channel("identity"))
    if auditor is Wiring.PEER:
        owned.append(settings.common.peer_channel("consent"))
        auditor = GrpcAccessAuditor(owned[-1], settings.common.service)
    vault = Vault(key_source)
    relay = _relay(settings, engine, feed_channel, owned)

    def close() -> None:
        if relay is not None:
            relay.stop()
        for channel in owned:
            channel.close()
        engine.dispose()

    return App(
        new_uow=functools.partial(
            SqlAlchemyUnitOfWork, engine, vault, on_outbox=relay.notify if relay else _nothing
        ),
        identity=GrpcIdentityDirectory(identity_channel, settings.identity_timeout),
        auditor=auditor,
        close=close,
        purge_keys=_purger(key_source),
        relay=relay,
    )


def _relay(
    settings: Settings,
    engine: Engine,
    channel: grpc.Channel | Wiring | None,
    owned: list[grpc.Channel],
) -> Relay | None:
    """The relay to segmentation over the channel given (its peer channel by default), or none."""
    if channel is None:
        return None
    if channel is Wiring.PEER:
        owned.append(channel := settings.common.peer_channel("segmentation"))
    client = FeedClient(channel, settings.segmentation_timeout)
    return feed_relay(engine, FeedDelivery(client.apply), settings.relay_max_items)


def _nothing() -> None:
    """No relay to wake."""


def _purger(key_source: KeySource) -> Callable[[Sequence[str]], None]:
    """The cache's invalidate when the key source caches (CachedKeySource); else nothing to drop."""
    invalidate = getattr(key_source, "invalidate", None)
    if not callable(invalidate):
        return lambda _subject_ids: None
    return lambda subject_ids: invalidate(list(subject_ids))
