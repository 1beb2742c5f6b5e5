"""The outbox relay delivers in order, at least once, and resumes where it stopped (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import MetaData

from cdp.db import make_engine, write_transaction
from cdp.db.outbox import Relay, append, outbox_tables


@pytest.fixture
def outbox(database_url: str):
    engine = make_engine(database_url)
    metadata = MetaData()
    entries, cursors = outbox_tables(metadata)
    metadata.create_all(engine)
    yield engine, entries, cursors
    engine.dispose()


def _append(engine, entries, payloads: list[bytes]) -> None:
    for payload in payloads:
        with write_transaction(engine) as conn:
            append(conn, entries, payload, item_count=1)


def test_entries_are_delivered_in_order_and_the_cursor_survives_a_restart(outbox) -> None:
    engine, entries, cursors = outbox
    _append(engine, entries, [b"a", b"b", b"c"])
    delivered: list[bytes] = []
    relay = Relay(
        engine, entries, cursors, "dest", lambda batch: delivered.extend(p.payload for p in batch)
    )
    while relay.pump_once():
        pass
    _append(engine, entries, [b"d"])
    fresh = Relay(
        engine, entries, cursors, "dest", lambda batch: delivered.extend(p.payload for p in batch)
    )
    while fresh.pump_once():
        pass
    assert delivered == [b"a", b"b", b"c", b"d"]


def test_a_failed_delivery_is_retried_not_skipped(outbox) -> None:
    engine, entries, cursors = outbox
    _append(engine, entries, [b"a", b"b"])
    attempts: list[list[bytes]] = []

    def flaky(batch) -> None:
        attempts.append([p.payload for p in batch])
        if len(attempts) == 1:
            raise ConnectionError("destination down")

    relay = Relay(engine, entries, cursors, "dest", flaky)
    with pytest.raises(ConnectionError):
        relay.pump_once()
    relay.pump_once()
    assert attempts == [[b"a", b"b"], [b"a", b"b"]]
    assert relay.pump_once() == 0


def test_the_background_relay_delivers_what_concurrent_writers_append(outbox) -> None:
    engine, entries, cursors = outbox
    delivered: list[bytes] = []
    done = threading.Event()

    def deliver(batch) -> None:
        delivered.extend(p.payload for p in batch)
        if len(delivered) >= 40:
            done.set()

    relay = Relay(engine, entries, cursors, "dest", deliver)
    relay.start()
    writers = [
        threading.Thread(
            target=_append, args=(engine, entries, [f"{w}-{i}".encode() for i in range(10)])
        )
        for w in range(4)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    relay.notify()
    assert done.wait(timeout=30)
    relay.stop()
    assert sorted(delivered) == sorted(f"{w}-{i}".encode() for w in range(4) for i in range(10))
    for w in range(4):
        mine = [p for p in delivered if p.startswith(f"{w}-".encode())]
        assert mine == [f"{w}-{i}".encode() for i in range(10)]
