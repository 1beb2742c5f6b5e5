"""The use cases over an in-memory log: statuses, dedup, suppression, batch limits, import totals."""

from __future__ import annotations

import pytest

from cdp.errors import InvalidArgument
from cdp.ingestion.adapters.repository import VaultSealer
from cdp.ingestion.domain.model import Batch, Event, EventType, Status
from cdp.ingestion.service_layer import handlers
from cdp.pii import BlindIndexer, Vault
from tests.unit.ingestion.fakes import FakeEventLog, dependencies


def _track(message_id: str, user_id: str = "u-1", event: str = "Clicked") -> Event:
    return Event(message_id=message_id, type=EventType.TRACK, user_id=user_id, event=event)


@pytest.fixture
def log() -> FakeEventLog:
    return FakeEventLog()


@pytest.fixture
def deps(vault: Vault, indexer: BlindIndexer, log: FakeEventLog) -> handlers.Dependencies:
    return dependencies(VaultSealer(vault, indexer), log)


def _statuses(results) -> list[Status]:
    return [result.status for result in results]


def test_a_batch_is_answered_per_event_in_order(deps, log: FakeEventLog) -> None:
    results = handlers.ingest_events(
        Batch("s", [_track("a"), _track("b", event=""), _track("c")]), deps
    )
    assert _statuses(results) == [Status.ACCEPTED, Status.REJECTED, Status.ACCEPTED]
    assert [r.index for r in results] == [0, 1, 2]
    assert log.logged_ids() == ["a", "c"]
    assert len(log.entries) == 1  # one log entry per batch


def test_a_resent_batch_is_duplicate_and_logs_nothing(deps, log: FakeEventLog) -> None:
    batch = Batch("s", [_track("a"), _track("b")])
    handlers.ingest_events(batch, deps)
    assert _statuses(handlers.ingest_events(batch, deps)) == [Status.DUPLICATE, Status.DUPLICATE]
    assert log.logged_ids() == ["a", "b"]


def test_a_repeat_inside_one_batch_is_duplicate(deps, log: FakeEventLog) -> None:
    results = handlers.ingest_events(Batch("s", [_track("a"), _track("a"), _track("b")]), deps)
    assert _statuses(results) == [Status.ACCEPTED, Status.DUPLICATE, Status.ACCEPTED]
    assert log.logged_ids() == ["a", "b"]


def test_dedup_is_per_source(deps, log: FakeEventLog) -> None:
    handlers.ingest_events(Batch("one", [_track("a")]), deps)
    assert _statuses(handlers.ingest_events(Batch("two", [_track("a")]), deps)) == [Status.ACCEPTED]


def test_an_erased_subject_is_suppressed_and_not_logged(
    keys, deps, indexer, log: FakeEventLog
) -> None:
    keys.destroy(indexer.subject_id(indexer.index("user_id", "gone")))
    results = handlers.ingest_events(Batch("s", [_track("a", user_id="gone"), _track("b")]), deps)
    assert [(r.status, r.reason) for r in results] == [
        (Status.SUPPRESSED, "SUBJECT_ERASED"),
        (Status.ACCEPTED, ""),
    ]
    assert log.logged_ids() == ["b"]


def test_a_batch_of_only_invalid_events_opens_no_transaction(deps, log: FakeEventLog) -> None:
    handlers.ingest_events(Batch("s", [_track("a", event="")]), deps)
    assert deps.new_uow().commits == 0 and log.entries == []


def test_more_than_500_events_is_invalid_and_stores_nothing(deps, log: FakeEventLog) -> None:
    with pytest.raises(InvalidArgument) as caught:
        handlers.ingest_events(Batch("s", [_track(f"m{i}") for i in range(501)]), deps)
    assert (caught.value.reason, caught.value.field) == ("TOO_MANY_ITEMS", "events")
    assert log.claimed == set() and log.entries == []


def test_500_events_is_fine(deps, log: FakeEventLog) -> None:
    results = handlers.ingest_events(Batch("s", [_track(f"m{i}") for i in range(500)]), deps)
    assert set(_statuses(results)) == {Status.ACCEPTED}


@pytest.mark.parametrize(
    ("source", "reason"), [("", "FIELD_REQUIRED"), ("s" * 129, "VALUE_TOO_LONG")]
)
def test_a_source_is_required_and_bounded(deps, source: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        handlers.ingest_events(Batch(source, [_track("a")]), deps)
    assert (caught.value.reason, caught.value.field) == (reason, "source")


def test_import_totals_count_across_the_stream(deps, log: FakeEventLog) -> None:
    chunks = [
        Batch("first", [_track("a"), _track("b", event="")]),
        Batch("ignored", [_track("a"), _track("c"), _track("d", event="")]),
    ]
    tally = handlers.import_events(iter(chunks), deps)
    assert (tally.accepted, tally.duplicate, tally.rejected, tally.suppressed) == (2, 1, 2, 0)
    assert [(p.index, p.field) for p in tally.problems] == [
        (1, "events[1].event"),
        (4, "events[4].event"),
    ]
    assert {source for source, _ in log.claimed} == {"first"}  # the first chunk's source holds


def test_import_keeps_only_the_first_1000_problems(deps) -> None:
    chunks = [Batch("s", [_track(f"m{c}-{i}", event="") for i in range(500)]) for c in range(3)]
    tally = handlers.import_events(chunks, deps)
    assert tally.rejected == 1500
    assert len(tally.problems) == 1000 and tally.problems[-1].index == 999


def test_an_oversized_chunk_stops_the_import(deps) -> None:
    chunks = [Batch("s", [_track("a")]), Batch("s", [_track(f"m{i}") for i in range(501)])]
    with pytest.raises(InvalidArgument):
        handlers.import_events(chunks, deps)
