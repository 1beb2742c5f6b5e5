"""The relay to identity: every accepted event delivered in order, retried while identity is down."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from cdp.ingestion.adapters.orm import event_log, event_log_cursor
from cdp.ingestion.bootstrap import App
from cdp.ingestion.domain.model import Batch, Event, EventType
from cdp.ingestion.service_layer import handlers
from tests.integration.ingestion.conftest import RecordingIdentity, start_identity


def _track(message_id: str) -> Event:
    return Event(message_id=message_id, type=EventType.TRACK, anonymous_id="a-1", event="Clicked")


def _wait_for(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not delivered in time"
        time.sleep(0.05)


def test_accepted_events_reach_identity_in_order_and_the_log_is_kept(
    app: App, identity_port: int
) -> None:
    recorder = RecordingIdentity()
    server = start_identity(identity_port, recorder)
    try:
        app.start_relay()
        app.start_relay()  # idempotent: one relay thread
        for batch in range(5):
            handlers.ingest_events(
                Batch("web", [_track(f"{batch}-{i}") for i in range(50)]), app.deps
            )
        handlers.ingest_events(
            Batch("web", [_track("0-0")]), app.deps
        )  # a duplicate is not re-sent
        _wait_for(lambda: len(recorder.message_ids) >= 250)
    finally:
        app.stop()
        server.stop(grace=None)
    assert recorder.message_ids == [f"{b}-{i}" for b in range(5) for i in range(50)]
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(event_log)).scalar_one() == 5
        assert conn.execute(select(event_log_cursor.c.last_seq)).scalar_one() == 5


def test_events_wait_while_identity_is_down_and_arrive_once_it_is_up(
    app: App, identity_port: int
) -> None:
    app.start_relay()
    handlers.ingest_events(Batch("web", [_track(f"m{i}") for i in range(10)]), app.deps)
    time.sleep(0.5)  # the relay is failing and backing off meanwhile
    recorder = RecordingIdentity()
    server = start_identity(identity_port, recorder)
    try:
        _wait_for(lambda: len(recorder.message_ids) >= 10)
    finally:
        app.stop()
        server.stop(grace=None)
    assert recorder.message_ids == [f"m{i}" for i in range(10)]
