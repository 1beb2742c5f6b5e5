"""Consent use cases on an in-memory database: append, idempotency, notices, state, history, checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, select

from cdp.consent.adapters.audit_repository import count_entries, read_entries
from cdp.consent.adapters.consent_orm import consent_notices, consent_records
from cdp.consent.domain.consent import ConsentQuery, ConsentStatus, IdentifierRef, notice_digest
from cdp.consent.service_layer.consent import (
    ConsentLedger,
    check_consent,
    consent_history,
    consent_state,
    notice_text,
    record_consent,
    subject_id_of,
)
from cdp.errors import FailedPrecondition, InvalidArgument
from tests.unit.consent.builders import NOTICE, Clock, command, ledger, migrated_engine

GRANTED, DENIED, WITHDRAWN = ConsentStatus.GRANTED, ConsentStatus.DENIED, ConsentStatus.WITHDRAWN
ALICE = IdentifierRef("email", "alice@example.test")


class FakeDirectory:
    """Profile names to subject ids, as IdentityService.ResolveSubject would answer."""

    def __init__(self, people: dict[str, frozenset[str]]) -> None:
        self.people = people
        self.asked: list[Sequence[str]] = []

    def subject_ids(self, profiles: Sequence[str]) -> dict[str, frozenset[str]]:
        self.asked.append(list(profiles))
        return {p: self.people.get(p, frozenset()) for p in profiles}

    def profiles_of(self, identifier) -> list[str]:
        return []


@pytest.fixture
def engine() -> Engine:
    return migrated_engine()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(engine: Engine, clock: Clock) -> ConsentLedger:
    return ledger(engine, clock)


def _rows(engine: Engine, table) -> list:
    with engine.connect() as conn:
        return conn.execute(select(table)).all()


def _entries(engine: Engine) -> list:
    with engine.connect() as conn:
        return read_entries(conn)


def test_each_decision_appends_one_record_and_one_audit_entry(store, engine) -> None:
    for status in (GRANTED, DENIED, WITHDRAWN):
        record_consent(store, command(status))
    entries = _entries(engine)
    assert len(_rows(engine, consent_records)) == 3 and len(entries) == 3
    assert [e.details["status"] for e in entries] == ["granted", "denied", "withdrawn"]
    assert all(e.action == "consent.recorded" and e.actor == "test" for e in entries)


def test_the_identifier_value_is_never_stored(store, engine) -> None:
    record = record_consent(store, command(email="Alice@Example.test"))
    dumped = repr(_rows(engine, consent_records)) + repr(_entries(engine))
    assert "alice@example.test" not in dumped.lower()
    assert record.subject_id == subject_id_of(store.indexer, ALICE)


def test_a_repeated_request_id_returns_the_first_record_without_a_new_entry(store, engine) -> None:
    first = record_consent(store, command(request_id="req-1"))
    again = record_consent(store, command(request_id="req-1"))
    assert again == first
    assert len(_rows(engine, consent_records)) == 1
    with engine.connect() as conn:
        assert count_entries(conn) == 1


def test_a_request_id_reused_for_another_decision_is_refused(store, engine) -> None:
    record_consent(store, command(GRANTED, request_id="req-1"))
    with pytest.raises(InvalidArgument) as caught:
        record_consent(store, command(WITHDRAWN, request_id="req-1"))
    assert (caught.value.reason, caught.value.field) == ("REQUEST_ID_REUSED", "request_id")
    assert len(_rows(engine, consent_records)) == 1


def test_a_notice_is_stored_once_and_reproducible_from_any_record(store, engine) -> None:
    record_consent(store, command(purpose="email_marketing"))
    by_hash = command(purpose="sms_marketing", notice_text="", notice_sha256=notice_digest(NOTICE))
    record_consent(store, by_hash)
    assert len(_rows(engine, consent_notices)) == 1
    for row in _rows(engine, consent_records):
        assert notice_digest(notice_text(engine, row.notice_sha256)) == row.notice_sha256


def test_an_unknown_notice_hash_without_its_text_is_refused(store, engine) -> None:
    with pytest.raises(FailedPrecondition) as caught:
        record_consent(store, command(notice_text="", notice_sha256="ab" * 32))
    assert caught.value.reason == "NOTICE_TEXT_UNKNOWN"
    assert _rows(engine, consent_records) == [] and _entries(engine) == []


@pytest.mark.parametrize(
    ("subject", "field", "reason"),
    [
        (IdentifierRef("", "x"), "subject.type", "FIELD_REQUIRED"),
        (IdentifierRef("email", ""), "subject.value", "FIELD_REQUIRED"),
        (IdentifierRef("email", "not-an-address"), "subject.value", "INVALID_EMAIL"),
        (IdentifierRef("phone", "12"), "subject.value", "INVALID_PHONE"),
        (IdentifierRef("Bad Type", "x"), "subject.type", "UNKNOWN_IDENTIFIER_TYPE"),
        (IdentifierRef("user_id", "null"), "subject.value", "BLOCKED_IDENTIFIER"),
    ],
)
def test_a_bad_subject_names_its_field(store, subject, field: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        record_consent(store, command(subject=subject))
    assert (caught.value.field, caught.value.reason) == (field, reason)


def test_state_is_derived_per_purpose_and_expiry_applies(store, clock) -> None:
    record_consent(store, command(GRANTED, purpose="email_marketing"))
    record_consent(store, command(DENIED, purpose="sms_marketing"))
    record_consent(
        store, command(GRANTED, purpose="analytics", expire_time=clock.now + timedelta(days=1))
    )
    clock.advance(days=2)
    record_consent(store, command(WITHDRAWN, purpose="email_marketing"))
    subject_id, states = consent_state(store, ALICE)
    assert subject_id.startswith("sub_")
    assert {s.purpose: s.status for s in states} == {
        "analytics": None,
        "email_marketing": WITHDRAWN,
        "sms_marketing": DENIED,
    }


def test_history_pages_oldest_first(store) -> None:
    made = [record_consent(store, command(s)) for s in (GRANTED, WITHDRAWN, GRANTED)]
    page, token = consent_history(store, ALICE, 2, "")
    rest, end = consent_history(store, ALICE, 2, token)
    assert [r.name for r in page + rest] == [r.name for r in made] and end == ""
    with pytest.raises(InvalidArgument):
        consent_history(store, IdentifierRef("email", "bob@example.test"), 2, token)


def test_check_consent_takes_the_latest_record_across_a_persons_subject_ids(engine, clock) -> None:
    bob_email, bob_phone = (
        IdentifierRef("email", "bob@example.test"),
        IdentifierRef("phone", "+84901234567"),
    )
    store = ledger(engine, clock)
    ids = frozenset(
        {subject_id_of(store.indexer, bob_email), subject_id_of(store.indexer, bob_phone)}
    )
    directory = FakeDirectory({"profiles/pbob": ids})
    store = ConsentLedger(engine, store.indexer, store.audit, directory, clock=clock)
    record_consent(store, command(GRANTED, subject=bob_email))
    asks = [
        ConsentQuery("profiles/pbob", "email_marketing"),
        ConsentQuery("profiles/nobody", "email_marketing"),
    ]
    assert check_consent(store, asks) == [True, False]
    clock.advance(seconds=1)
    record_consent(store, command(WITHDRAWN, subject=bob_phone))
    assert check_consent(store, asks) == [False, False]
    assert directory.asked == [["profiles/pbob", "profiles/nobody"]] * 2


def test_blocked_subjects_are_never_granted(engine, clock) -> None:
    plain = ledger(engine, clock)
    alice = subject_id_of(plain.indexer, ALICE)
    blocked_calls: list[Sequence[str]] = []

    def blocked(subject_ids: Sequence[str]) -> set[str]:
        blocked_calls.append(subject_ids)
        return {alice}

    store = ConsentLedger(engine, plain.indexer, plain.audit, blocked=blocked, clock=clock)
    record_consent(store, command(GRANTED))
    assert check_consent(plain, [ConsentQuery(alice, "email_marketing")]) == [True]
    assert check_consent(store, [ConsentQuery(alice, "email_marketing")]) == [False]
    assert blocked_calls == [[alice]]


def test_profile_names_need_a_directory(store) -> None:
    with pytest.raises(FailedPrecondition):
        check_consent(store, [ConsentQuery("profiles/p1", "ads")])
    assert check_consent(store, []) == []


def test_a_thousand_checks_take_one_select(store, engine) -> None:
    record_consent(store, command(GRANTED))
    alice = subject_id_of(store.indexer, ALICE)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    queries = [
        ConsentQuery(alice if n % 2 else f"sub_{'b' * 23}{'a' if n % 3 else 'c'}", f"p_{n % 7}")
        for n in range(999)
    ]
    answers = check_consent(store, [*queries, ConsentQuery(alice, "email_marketing")])
    assert answers[-1] is True and not any(answers[:-1])
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
