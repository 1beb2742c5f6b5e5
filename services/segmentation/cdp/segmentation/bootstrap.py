"""Composition root: engine, migrations, consent client, computed-trait relay, scheduler (no import-time I/O)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc

from cdp.db import make_engine, upgrade
from cdp.db.outbox import Relay
from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.clients import GrpcComputedTraitSink, GrpcConsentChecker
from cdp.segmentation.service_layer.batch import Scheduler
from cdp.segmentation.service_layer.context import ConsentChecker, Context
from cdp.segmentation.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "segmentation_alembic_version"


@dataclass(frozen=True)
class App:
    context: Context
    # Bounds open watch streams: each holds a server thread.
    watches: threading.BoundedSemaphore
    start: Callable[[], None]
    close: Callable[[], None]


def bootstrap(
    settings: Settings,
    consent: ConsentChecker | None = None,
    profile_channel: grpc.Channel | None = None,
    background: bool = True,
) -> App:
    """Migrates to head and wires the app; start() runs the scheduler and the relay to profile.

    Tests pass a consent checker, a profile channel, or background=False to drive batch work by hand.
    """
    engine = make_engine(settings.common.database_url)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)
    owned: list[grpc.Channel] = []
    if consent is None:
        owned.append(settings.common.peer_channel("consent"))
        consent = GrpcConsentChecker(owned[-1], settings.consent_timeout)
    if profile_channel is None:
        owned.append(profile_channel := settings.common.peer_channel("profile"))
    sink = GrpcComputedTraitSink(profile_channel, settings.profile_timeout)
    relay = Relay(engine, orm.outbox, orm.outbox_cursor, "profile", sink)
    holder: list[Scheduler] = []
    context = Context(
        engine=engine,
        consent=consent,
        computed_committed=relay.notify,
        compute_requested=lambda: [s.wake() for s in holder],
    )
    scheduler = Scheduler(context, settings.recheck_interval)
    holder.append(scheduler)

    def start() -> None:
        if background:
            relay.start()
            scheduler.start()

    def close() -> None:
        if background:
            scheduler.stop()
            relay.stop()
        for channel in owned:
            channel.close()
        engine.dispose()

    return App(context, threading.BoundedSemaphore(settings.max_watches), start, close)
