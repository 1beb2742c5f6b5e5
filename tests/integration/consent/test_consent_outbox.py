"""The consent outbox on real SQLite and PostgreSQL: every change to what CheckConsent answers appends
one entry naming its subjects in the transaction that made it, and nothing when the change is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from cdp.consent.adapters.consent_feed import append_changes, decode
from cdp.consent.adapters.consent_orm import consent_outbox, consent_records
from cdp.consent.adapters.local_participant import LocalParticipant
from cdp.consent.adapters.tombstones import TombstoneLog
from cdp.consent.domain.consent import ConsentStatus
from cdp.consent.domain.requests import Subject
from cdp.consent.domain.suppression import Suppressor
from cdp.consent.service_layer.consent import ConsentLedger, record_consent, subject_id_of
from cdp.consent.service_layer.handlers import KeyStore, destroy_data_keys, get_data_keys
from cdp.consent.service_layer.objection import withdraw_marketing
from cdp.db import write_transaction
from cdp.errors import FailedPrecondition, InvalidArgument
from cdp.pii.kek import LocalKeyFileProvider
from tests.unit.consent.builders import command, ledger, migrated_engine

REQUEST = "dataSubjectRequests/6f0c2b9e-3f4e-4c1a-9b8d-2a7e5c1d0f42"
ANN, BOB, CAT = ("sub_" + c * 24 for c in "abc")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> ConsentLedger:
    return ledger(engine)


def entries(engine: Engine) -> list[list[str]]:
    """The subject ids each outbox entry names, oldest first."""
    with engine.connect() as conn:
        payloads = conn.execute(select(consent_outbox.c.payload).order_by(consent_outbox.c.seq))
        return [decode(payload) for (payload,) in payloads]


def participant(engine: Engine) -> LocalParticipant:
    return LocalParticipant(engine, Suppressor(b"s" * 32))


@pytest.mark.parametrize("status", list(ConsentStatus))
def test_recording_consent_appends_one_entry_naming_the_subject(
    engine: Engine, store: ConsentLedger, status: ConsentStatus
) -> None:
    record = record_consent(store, command(status))

    assert entries(engine) == [[record.subject_id]]


def test_each_record_appends_its_own_entry(engine: Engine, store: ConsentLedger) -> None:
    first = record_consent(store, command(email="ann@example.test"))
    second = record_consent(store, command(ConsentStatus.WITHDRAWN, email="bob@example.test"))

    assert entries(engine) == [[first.subject_id], [second.subject_id]]
    assert b"ann@example.test" not in b"".join(_payloads(engine))


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"notice_text": "", "notice_sha256": "0" * 64}, FailedPrecondition),
        ({"purpose": ""}, InvalidArgument),
        ({"status": None}, InvalidArgument),
    ],
)
def test_a_refused_record_appends_nothing(
    engine: Engine, store: ConsentLedger, changes: dict, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        record_consent(store, command(**changes))

    assert entries(engine) == []


def test_repeating_a_request_id_appends_nothing_more(engine: Engine, store: ConsentLedger) -> None:
    record_consent(store, command(request_id="req-1"))
    record_consent(store, command(request_id="req-1"))

    assert len(entries(engine)) == 1


def test_the_ledger_row_commits_only_with_its_outbox_entry(
    engine: Engine, store: ConsentLedger
) -> None:
    """Without the outbox table the append fails, and the ledger row goes with it: one transaction."""
    with write_transaction(engine) as conn:
        conn.execute(text("DROP TABLE consent_outbox"))

    with pytest.raises(Exception, match="consent_outbox"):
        record_consent(store, command())

    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(consent_records)).scalar() == 0


def test_the_after_commit_hook_runs_once_per_record(engine: Engine) -> None:
    woken: list[str] = []
    store = ledger(engine, notify=lambda: woken.append("relay"))

    record_consent(store, command())
    with pytest.raises(InvalidArgument):
        record_consent(store, command(purpose=""))

    assert woken == ["relay"]


def test_an_objection_appends_one_entry_for_the_subjects_it_withdrew(
    engine: Engine, store: ConsentLedger
) -> None:
    woken: list[str] = []

    withdraw_marketing(engine, store.audit, REQUEST, [ANN, BOB], notify=lambda: woken.append("x"))
    withdraw_marketing(engine, store.audit, REQUEST, [ANN, BOB])  # a retry writes nothing new

    assert entries(engine) == [[ANN, BOB]]
    assert woken == ["x"]


def test_restriction_and_its_lift_each_append_once(engine: Engine) -> None:
    local = participant(engine)
    subject = Subject([ANN, BOB], [], [])

    local.restrict(REQUEST, subject, True)
    local.restrict(REQUEST, subject, True)  # already restricted: CheckConsent answers the same
    local.restrict(REQUEST, subject, False)

    assert entries(engine) == [[ANN, BOB], [ANN, BOB]]


def test_destroying_data_keys_appends_the_subjects(engine: Engine, tmp_path: Path) -> None:
    keys = KeyStore(
        engine,
        LocalKeyFileProvider(tmp_path / "kek.json"),
        Suppressor(b"s" * 32),
        TombstoneLog(tmp_path / "tombstones.log"),
    )
    get_data_keys(keys, [ANN], create=True)

    destroy_data_keys(keys, [ANN], "direct-request")

    assert entries(engine) == [[ANN]]


def test_the_consent_share_of_an_erasure_leaves_no_entry_naming_the_subject(
    engine: Engine,
) -> None:
    with write_transaction(engine) as conn:
        append_changes(conn, [ANN, BOB])
        append_changes(conn, [ANN])
        append_changes(conn, [CAT])

    counts = participant(engine).erase(REQUEST, Subject([ANN], [], []))

    assert entries(engine) == [[BOB], [CAT]]
    assert counts["feed_entries"] == 2
    assert ANN.encode() not in b"".join(_payloads(engine))


def test_an_identifier_never_reaches_the_outbox(engine: Engine, store: ConsentLedger) -> None:
    email = "canary+outbox@example.test"
    record_consent(store, command(email=email))

    assert entries(engine) == [[subject_id_of(store.indexer, command(email=email).subject)]]
    assert email.encode() not in b"".join(_payloads(engine))


def _payloads(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        return list(conn.execute(select(consent_outbox.c.payload)).scalars())
