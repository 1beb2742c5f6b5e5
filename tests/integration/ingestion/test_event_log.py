"""The event log on SQLite and PostgreSQL: dedup, one transaction per batch, nothing personal at rest."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from cdp.db import is_sqlite, make_engine, upgrade
from cdp.errors import Unavailable
from cdp.ingestion.adapters.orm import event_log, message_ids, metadata
from cdp.ingestion.adapters.pipeline import decode_batch
from cdp.ingestion.bootstrap import MIGRATIONS, App
from cdp.ingestion.domain.model import Batch, Event, EventType, Status
from cdp.ingestion.service_layer import handlers
from cdp.ingestion.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests.integration.ingestion.conftest import free_port
from tests.support.scan import encodings, find_plaintext


def _track(message_id: str, user_id: str = "u-1", **changes) -> Event:
    return Event(
        message_id=message_id, type=EventType.TRACK, user_id=user_id, event="Clicked", **changes
    )


def _logged(app: App) -> list[str]:
    with app.engine.connect() as conn:
        payloads = (
            conn.execute(select(event_log.c.payload).order_by(event_log.c.seq)).scalars().all()
        )
    return [event.message_id for payload in payloads for event in decode_batch(payload).events]


def _claimed(app: App) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(message_ids)).scalar_one()


def test_resending_a_batch_answers_duplicate_and_stores_nothing_twice(app: App) -> None:
    batch = Batch("web", [_track(f"m{i}") for i in range(20)])
    first = handlers.ingest_events(batch, app.deps)
    again = handlers.ingest_events(batch, app.deps)
    assert {r.status for r in first} == {Status.ACCEPTED}
    assert {r.status for r in again} == {Status.DUPLICATE}
    assert _logged(app) == [f"m{i}" for i in range(20)]
    assert _claimed(app) == 20


def test_a_batch_with_one_invalid_event_stores_the_rest_and_nothing_of_it(app: App) -> None:
    bad = Event(
        message_id="bad",
        type=EventType.IDENTIFY,
        user_id="u-bad-canary",
        traits={"email": "x" * 250 + "@example.com", "name": "Bad Canary Name"},
    )
    results = handlers.ingest_events(Batch("web", [_track("a"), bad, _track("b")]), app.deps)
    assert [r.status for r in results] == [Status.ACCEPTED, Status.REJECTED, Status.ACCEPTED]
    assert _logged(app) == ["a", "b"]
    assert _claimed(app) == 2
    assert [hit for hit in _stored_plaintext(app, ["u-bad-canary", "Bad Canary Name"])] == []


def test_the_database_holds_no_canary_value_in_any_encoding(app: App) -> None:
    tag = uuid.uuid4().hex[:10]
    canary = {
        "email": f"canary+{tag}@example.test",
        "phone": "+84912345678",
        "name": f"Nguyễn Canary {tag}",
        "user_id": f"canary-user-{tag}",
        "device": f"canary-device-{tag}",
        "th_name": f"สมชาย {tag}",
    }
    identify = Event(
        message_id=f"i-{tag}",
        type=EventType.IDENTIFY,
        user_id=canary["user_id"],
        traits={
            "email": canary["email"],
            "phone": "0912 345 678",
            "name": canary["name"],
            "firstName": canary["th_name"],
            "plan": "gold",
        },
        context={"device": {"id": canary["device"]}, "ip": "198.51.100.7"},
    )
    orders = [
        _track(f"o-{tag}-{i}", canary["user_id"], properties={"email": canary["email"], "total": i})
        for i in range(30)
    ]
    results = handlers.ingest_events(Batch("web", [identify, *orders]), app.deps)
    assert {r.status for r in results} == {Status.ACCEPTED}
    assert _stored_plaintext(app, list(canary.values())) == []


def test_concurrent_batches_accept_each_message_once_in_log_order(app: App) -> None:
    ids = [f"c{i}" for i in range(120)]
    accepted: list[str] = []
    lock = threading.Lock()

    def send(offset: int) -> None:
        chunk = ids[offset:] + ids[:offset]  # every thread sends every id, in another order
        for start in range(0, len(chunk), 40):
            for result in handlers.ingest_events(
                Batch("web", [_track(m) for m in chunk[start : start + 40]]), app.deps
            ):
                if result.status is Status.ACCEPTED:
                    with lock:
                        accepted.append(result.message_id)

    threads = [threading.Thread(target=send, args=(offset,)) for offset in (0, 30, 60, 90)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(accepted) == sorted(ids)
    assert sorted(_logged(app)) == sorted(ids) and _claimed(app) == len(ids)


def test_migrating_again_changes_nothing(app: App) -> None:
    handlers.ingest_events(Batch("web", [_track("a")]), app.deps)
    upgrade(app.engine, MIGRATIONS)
    assert _logged(app) == ["a"]


def _stored_plaintext(app: App, values: list[str]) -> list[str]:
    """Raw bytes at rest: the SQLite files (WAL included) or every PostgreSQL row of our tables."""
    if is_sqlite(app.engine):
        app.engine.dispose()  # nothing held back in a connection: the files are all there is
        return find_plaintext(Path(app.engine.url.database).parent, values)
    dump = bytearray()
    with app.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(text(f"SELECT * FROM {table.name}")):
                for value in row:
                    dump += value if isinstance(value, bytes) else str(value).encode()
    data = bytes(dump)
    return [
        f"{name} form of a canary value ({len(value)} chars)"
        for value in values
        for name, form in encodings(value).items()
        if (form.lower() in data.lower() if name in ("raw", "lower", "upper") else form in data)
    ]


def test_an_unreachable_database_is_unavailable_not_internal(app: App) -> None:
    dead = make_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none?connect_timeout=2"
    )
    deps = replace(app.deps, new_uow=lambda: SqlAlchemyUnitOfWork(dead))
    with pytest.raises(Unavailable) as caught:
        handlers.ingest_events(Batch("web", [_track("a")]), deps)
    assert caught.value.reason == "DATABASE_UNAVAILABLE"
