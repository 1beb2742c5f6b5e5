"""Ingestion's share of data-subject requests on SQLite and PostgreSQL: fence, erase, export, restrict."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from cdp.db import is_sqlite
from cdp.ingestion.adapters.orm import event_log, event_log_cursor, message_ids, restrictions
from cdp.ingestion.adapters.pipeline import decode_batch
from cdp.ingestion.bootstrap import App, bootstrap
from cdp.ingestion.domain.model import Batch, Event, EventType, Status
from cdp.ingestion.domain.subjects import Subject, SubjectRequest
from cdp.ingestion.service_layer import handlers, privacy
from cdp.pii import BlindIndexer
from cdp.pii.keycache import CachedKeySource
from tests.integration.ingestion.conftest import RecordingIdentity, start_identity
from tests.integration.ingestion.privacy_support import (
    Person,
    files_referencing,
    needles,
    rows_referencing,
)


@pytest.fixture
def indexer(app: App) -> BlindIndexer:
    return BlindIndexer(app.settings.common.index_key())  # the service's own index key


def _request(indexer: BlindIndexer, person: Person, restricted: bool = False) -> SubjectRequest:
    subject = Subject.parse(person.subject_ids(indexer), person.blind_indexes(indexer), [])
    return SubjectRequest("dataSubjectRequests/test", subject, restricted)


def _other(message_id: str) -> Event:
    return Event(message_id=message_id, type=EventType.TRACK, user_id="someone-else", event="Seen")


def _ingest(app: App, *events: Event) -> list[Status]:
    return [r.status for r in handlers.ingest_events(Batch("web", list(events)), app.deps)]


def _logged(app: App) -> list[str]:
    with app.engine.connect() as conn:
        payloads = conn.execute(select(event_log.c.payload).order_by(event_log.c.seq)).scalars()
        return [e.message_id for payload in payloads for e in decode_batch(payload).events]


def _count(app: App, table) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _nothing_left(app: App, indexer: BlindIndexer, person: Person) -> list[str]:
    targets = needles(indexer, person)
    hits = rows_referencing(app.engine, targets)
    if is_sqlite(app.engine):
        hits += files_referencing(app.engine, targets)
    return hits


def test_a_fenced_subject_is_suppressed_by_any_identifier_in_any_spelling(
    app: App, indexer: BlindIndexer
) -> None:
    person = Person()
    assert _ingest(app, person.identify("linked")) == [Status.ACCEPTED]
    assert privacy.fence_subject(_request(indexer, person), app.privacy) == 8
    assert privacy.fence_subject(_request(indexer, person), app.privacy) == 0
    fresh = {"anonymous_id": "a-fresh-browser"}  # a new visitor id the fence never heard of
    spellings = [
        Event("e1", EventType.IDENTIFY, traits={"email": person.email}, **fresh),
        Event("e2", EventType.IDENTIFY, traits={"email": person.email.upper()}, **fresh),
        Event("e3", EventType.IDENTIFY, traits={"phone": person.phone_national}, **fresh),
        Event(
            "e4",
            EventType.TRACK,
            event="Opened",
            context={"device": {"id": person.device}},
            **fresh,
        ),
        person.track("e5"),
        _other("e6"),
    ]
    assert _ingest(app, *spellings) == [Status.SUPPRESSED] * 5 + [Status.ACCEPTED]
    assert _logged(app) == ["linked", "e6"]


def test_erasure_cuts_ten_thousand_events_out_of_their_batches_and_keeps_the_rest(
    app: App, indexer: BlindIndexer
) -> None:
    person = Person()
    for batch in range(50):
        mine = [person.track(f"m-{batch}-{i}") for i in range(200)]
        theirs = [] if batch == 49 else [_other(f"o-{batch}-{i}") for i in range(4)]
        assert set(_ingest(app, *mine[:100], *theirs, *mine[100:])) == {Status.ACCEPTED}
    last_seq = _count(app, event_log)
    counts = privacy.erase_subject(_request(indexer, person), app.privacy)
    assert counts == {"events": 10_000, "batches_rewritten": 50, "restrictions": 0}
    others = [f"o-{b}-{i}" for b in range(49) for i in range(4)]
    assert _logged(app) == others
    assert (_count(app, event_log), _count(app, message_ids)) == (49, len(others))
    assert _nothing_left(app, indexer, person) == []
    again = privacy.erase_subject(_request(indexer, person), app.privacy)
    assert again == {"events": 0, "batches_rewritten": 0, "restrictions": 0}
    assert _ingest(app, _other("after")) == [Status.ACCEPTED]
    with app.engine.connect() as conn:  # the deleted last entry's number is not handed out again
        assert conn.execute(select(func.max(event_log.c.seq))).scalar_one() == last_seq + 1


def test_export_opens_the_subjects_events_and_is_empty_after_erasure(
    app: App, indexer: BlindIndexer
) -> None:
    person = Person()
    _ingest(app, person.identify("i-1"), _other("o-1"), person.track("t-1"))
    document = privacy.export_subject(_request(indexer, person), app.privacy)
    assert document["service"] == "ingestion"
    identify, track = document["events"]
    assert (identify["message_id"], identify["type"], identify["source"]) == (
        "i-1",
        "identify",
        "web",
    )
    assert sorted((i["type"], i["value"]) for i in identify["identifiers"]) == sorted(
        [
            ("user_id", person.user_id),
            ("email", person.email),
            ("phone", person.phone),
            ("device_id", person.device),
        ]
    )
    assert identify["traits"]["name"] == f"Nguyễn {person.tag}"
    assert identify["context"] == {"device": {"id": person.device}, "ip": "198.51.100.7"}
    assert (track["event_name"], track["properties"]) == (
        "Ordered",
        {"total": 12, "email": person.email},
    )
    assert track["timestamp"].endswith("Z") and track["receive_time"] == track["timestamp"]
    privacy.erase_subject(_request(indexer, person), app.privacy)
    assert privacy.export_subject(_request(indexer, person), app.privacy) == {
        "service": "ingestion",
        "events": [],
    }


def test_restriction_is_recorded_lifted_and_erased_while_storage_continues(
    app: App, indexer: BlindIndexer
) -> None:
    person = Person()
    restrict = _request(indexer, person, restricted=True)
    assert privacy.restrict_subject(restrict, app.privacy) == 8
    assert privacy.restrict_subject(restrict, app.privacy) == 0
    assert _ingest(app, person.track("t-1")) == [Status.ACCEPTED]
    assert privacy.restrict_subject(_request(indexer, person), app.privacy) == 8
    assert _count(app, restrictions) == 0
    privacy.restrict_subject(restrict, app.privacy)
    assert privacy.erase_subject(_request(indexer, person), app.privacy)["restrictions"] == 8
    assert _count(app, restrictions) == 0


def _wait_for(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not delivered in time"
        time.sleep(0.05)


def test_the_relay_does_not_deliver_events_logged_before_the_fence(
    app: App, indexer: BlindIndexer, identity_port: int
) -> None:
    person = Person()
    _ingest(app, person.identify("i-1"), _other("o-1"))
    _ingest(app, person.track("t-1"))
    privacy.fence_subject(_request(indexer, person), app.privacy)
    _ingest(app, _other("o-2"))
    recorder = RecordingIdentity()
    server = start_identity(identity_port, recorder)
    try:
        app.start_relay()
        _wait_for(lambda: len(recorder.message_ids) >= 2)
        _wait_for(lambda: app.relay.lag() == 3)
    finally:
        app.stop()
        server.stop(grace=None)
    assert recorder.message_ids == ["o-1", "o-2"]
    with app.engine.connect() as conn:
        assert conn.execute(select(event_log_cursor.c.last_seq)).scalar_one() == 3


def test_suppression_outlives_a_restart(app: App, indexer: BlindIndexer, keys) -> None:
    person = Person()
    privacy.fence_subject(_request(indexer, person), app.privacy)
    app.stop()
    restarted = bootstrap(app.settings, key_source=keys)
    try:
        assert _ingest(restarted, person.track("t-1")) == [Status.SUPPRESSED]
        assert person.subject_ids(indexer)[0] not in keys.keys  # refused before any key was made
    finally:
        restarted.stop()


def test_a_fence_by_another_replica_is_honoured_by_the_storing_transaction(
    app: App, indexer: BlindIndexer, keys
) -> None:
    person = Person()
    replica = bootstrap(app.settings, key_source=keys)  # a second process on the same database
    try:
        assert _ingest(app, person.track("t-0")) == [Status.ACCEPTED]
        privacy.fence_subject(_request(indexer, person), replica.privacy)
        assert len(app.deps.suppression) == 0  # this process has not heard of the fence
        assert _ingest(app, person.track("t-1")) == [Status.SUPPRESSED]
        assert len(app.deps.suppression) == 8
    finally:
        replica.stop()


def test_fencing_purges_the_subjects_keys_from_the_process_cache(app: App, keys) -> None:
    cache = CachedKeySource(keys.get_keys, ttl=600)
    cached = bootstrap(app.settings, key_source=cache)
    indexer = BlindIndexer(cached.settings.common.index_key())
    person = Person()
    try:
        assert cached.key_cache is cache
        assert _ingest(cached, person.track("t-1")) == [Status.ACCEPTED]
        subject_id = person.subject_ids(indexer)[0]
        keys.destroy(subject_id)  # consent destroyed the key; the cache still holds it
        assert not cache.get_keys([subject_id], False)[subject_id].destroyed
        privacy.fence_subject(_request(indexer, person), cached.privacy)
        assert cache.get_keys([subject_id], False)[subject_id].destroyed
    finally:
        cached.stop()


def test_events_racing_a_fence_are_stored_before_it_or_refused_and_erasure_leaves_none(
    app: App, indexer: BlindIndexer
) -> None:
    person = Person()
    fenced = threading.Event()
    late: list[Status] = []
    statuses: list[Status] = []
    lock = threading.Lock()

    def send(thread: int) -> None:
        for batch in range(10):
            after_fence = fenced.is_set()
            events = [person.track(f"r-{thread}-{batch}-{i}") for i in range(10)]
            results = _ingest(app, *events)
            with lock:
                statuses.extend(results)
                if after_fence:
                    late.extend(results)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)  # let some batches land first: the race is the point
    privacy.fence_subject(_request(indexer, person), app.privacy)
    fenced.set()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == 1000
    assert set(statuses) <= {Status.ACCEPTED, Status.SUPPRESSED}
    assert set(late) <= {Status.SUPPRESSED}
    accepted = statuses.count(Status.ACCEPTED)
    counts = privacy.erase_subject(_request(indexer, person), app.privacy)
    assert counts["events"] == accepted
    assert _logged(app) == [] and _count(app, message_ids) == 0
    assert _nothing_left(app, indexer, person) == []
