"""Suppression: the in-memory set, the storing transaction's check, and delivery-time screening."""

from __future__ import annotations

import pytest

from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.db.outbox import Pending
from cdp.ingestion.adapters.pipeline import (
    IdentityDelivery,
    SuppressedEventFilter,
    decode_batch,
    encode_batch,
)
from cdp.ingestion.adapters.repository import VaultSealer
from cdp.ingestion.domain.documents import DocumentSplitter
from cdp.ingestion.domain.model import (
    Batch,
    Event,
    EventType,
    SealedEvent,
    SealedIdentifier,
    Status,
)
from cdp.ingestion.domain.subjects import Subject
from cdp.ingestion.domain.suppression import (
    SuppressionList,
    blind_digest,
    profile_digest,
    subject_digest,
)
from cdp.ingestion.service_layer import handlers
from cdp.pii import BlindIndexer, Vault
from tests.unit.ingestion.fakes import NOW_NS, FakeEventLog, FakeSubjects, FakeUnitOfWork

SUB_A = "sub_" + "a" * 24
SUB_B = "sub_" + "b" * 24


def _sealed(message_id: str, subject_id: str, blind: bytes) -> SealedEvent:
    identifier = SealedIdentifier("user_id", blind, b"sealed", subject_id)
    return SealedEvent(
        message_id,
        "src",
        EventType.TRACK,
        "Clicked",
        NOW_NS,
        NOW_NS,
        [identifier],
        subject_id,
        b"{}",
        b"",
    )


def _suppressing(*digests: bytes, log_seq: int = 0) -> SuppressionList:
    suppression = SuppressionList()
    suppression.extend((seq, digest, log_seq) for seq, digest in enumerate(digests, start=1))
    return suppression


def test_an_empty_list_blocks_nothing() -> None:
    assert not SuppressionList().blocks(SUB_A, [])


def test_the_list_blocks_by_subject_blind_index_or_identifier_subject() -> None:
    by_blind = _suppressing(blind_digest(b"\x01" * 32))
    by_subject = _suppressing(subject_digest(SUB_A))
    other = SealedIdentifier("email", b"\x02" * 32, b"", SUB_B)
    assert by_blind.blocks(SUB_B, [other, SealedIdentifier("email", b"\x01" * 32, b"", SUB_B)])
    assert by_subject.blocks(SUB_A, [])
    assert by_subject.blocks(SUB_B, [SealedIdentifier("phone", b"\x03" * 32, b"", SUB_A)])
    assert not by_subject.blocks(SUB_B, [other])


def test_catching_up_skips_rows_already_loaded_and_tracks_the_horizon() -> None:
    suppression = SuppressionList()
    suppression.extend([(1, b"a" * 32, 5), (2, b"b" * 32, 9)])
    suppression.extend([(2, b"c" * 32, 50), (3, b"d" * 32, 7)])
    assert (len(suppression), suppression.seq, suppression.horizon) == (3, 3, 9)


@pytest.fixture
def subjects() -> FakeSubjects:
    return FakeSubjects()


@pytest.fixture
def log() -> FakeEventLog:
    return FakeEventLog()


def _deps(vault: Vault, indexer: BlindIndexer, log: FakeEventLog, subjects: FakeSubjects):
    uow = FakeUnitOfWork(log, subjects)
    suppression = SuppressionList()
    return handlers.Dependencies(
        splitter=DocumentSplitter(),
        sealer=VaultSealer(vault, indexer, suppression),
        new_uow=lambda: uow,
        clock=lambda: NOW_NS,
        suppression=suppression,
    )


def _track(message_id: str, user_id: str) -> Event:
    return Event(message_id=message_id, type=EventType.TRACK, user_id=user_id, event="Clicked")


def test_an_entry_committed_after_sealing_is_still_refused_by_the_storing_transaction(
    vault: Vault, indexer: BlindIndexer, log: FakeEventLog, subjects: FakeSubjects, keys
) -> None:
    deps = _deps(vault, indexer, log, subjects)
    blind = indexer.index("user_id", "gone")
    subjects.suppress({blind_digest(blind)})  # in the database, not yet in memory
    results = handlers.ingest_events(Batch("s", [_track("a", "gone"), _track("b", "kept")]), deps)
    assert [(r.status, r.reason) for r in results] == [
        (Status.SUPPRESSED, "SUBJECT_ERASED"),
        (Status.ACCEPTED, ""),
    ]
    assert log.logged_ids() == ["b"]
    assert indexer.subject_id(blind) in keys.keys  # sealed before the entry was known


def test_a_known_suppressed_subject_is_neither_sealed_nor_given_a_key(
    vault: Vault, indexer: BlindIndexer, log: FakeEventLog, subjects: FakeSubjects, keys
) -> None:
    deps = _deps(vault, indexer, log, subjects)
    subject_id = indexer.subject_id(indexer.index("user_id", "gone"))
    subjects.suppress({subject_digest(subject_id)})
    deps.suppression.extend(subjects.suppressions_since(0))
    results = handlers.ingest_events(Batch("s", [_track("a", "gone")]), deps)
    assert [r.status for r in results] == [Status.SUPPRESSED]
    assert subject_id not in keys.keys and log.entries == []


def _pending(seq: int, *events: SealedEvent) -> Pending:
    return Pending(seq, encode_batch(list(events)))


def _ids(pending: list[Pending]) -> list[tuple[int, list[str]]]:
    return [(p.seq, [e.message_id for e in decode_batch(p.payload).events]) for p in pending]


def test_delivery_cuts_suppressed_events_only_from_entries_logged_before_the_fence() -> None:
    gone, kept = b"\x01" * 32, b"\x02" * 32
    suppression = _suppressing(blind_digest(gone), log_seq=2)
    refreshed = []
    screen = SuppressedEventFilter(suppression, lambda: refreshed.append(1))
    pending = [
        _pending(1, _sealed("a", SUB_A, gone), _sealed("b", SUB_B, kept)),
        _pending(2, _sealed("c", SUB_A, gone)),
        _pending(3, _sealed("d", SUB_B, kept)),
    ]
    assert _ids(screen(pending)) == [(1, ["b"]), (3, ["d"])]
    assert refreshed == [1]


def test_delivery_of_only_suppressed_events_calls_nobody() -> None:
    gone = b"\x01" * 32
    calls: list[identity_pb.ResolveEventsRequest] = []
    delivery = IdentityDelivery(
        calls.append,
        screen=SuppressedEventFilter(_suppressing(blind_digest(gone), log_seq=5), lambda: None),
    )
    delivery([_pending(4, _sealed("a", SUB_A, gone))])
    assert calls == []


def test_a_subject_owns_what_the_filter_blocks() -> None:
    subject = Subject(frozenset({SUB_A}), frozenset({b"\x01" * 32}))
    suppression = _suppressing(*subject.suppression_digests())
    event = _sealed("a", SUB_B, b"\x01" * 32)
    assert subject.owns(event.subject_id, event.identifiers)
    assert suppression.blocks(event.subject_id, event.identifiers)


def test_entries_keep_the_digest_format_already_stored() -> None:
    """Entries written before the digest moved to cdp.pii.subjects must keep matching."""
    assert blind_digest(bytes(range(32))).hex() == (
        "9a442b6d8bef28405c9a48b2905627da12eb1cf46881f4bc93a146ac303929a5"
    )
    assert subject_digest("sub_abcdefghijklmnopqrstuvwx").hex() == (
        "b95c155ee9ff7034b913cc7cbfed15c1dcf2c45e6e961e7f003f6ad980e916b0"
    )
    assert profile_digest("profiles/p0123456789abcdef01234567").hex() == (
        "7cccafa62e7adab7a5e15a918cc68fdbfb4bda3c8139e6ac8c2c9044c3e2e8e0"
    )
