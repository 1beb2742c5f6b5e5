"""The consent ledger and audit chain on real SQLite and PostgreSQL: append-only, reproducible
notices (T1, T2), and a chain that stays valid under concurrent writers."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from cdp.consent.adapters.audit_repository import count_entries
from cdp.consent.adapters.consent_orm import audit_checkpoints, consent_notices, consent_records
from cdp.consent.domain.consent import ConsentStatus, IdentifierRef, notice_digest
from cdp.consent.service_layer.audit import verify_audit_chain
from cdp.consent.service_layer.consent import (
    ConsentLedger,
    notice_text,
    record_consent,
    utc_now,
)
from cdp.db import is_sqlite
from tests.support.scan import find_plaintext
from tests.unit.consent.builders import NOTICE, Clock, command, ledger, migrated_engine

R1_COLUMNS = [
    "record_id",
    "subject_id",
    "purpose",
    "status",
    "notice_id",
    "notice_sha256",
    "language",
    "channel",
    "method",
    "evidence_ref",
    "jurisdiction",
    "valid_from_us",
    "record_us",
    "actor",
]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> ConsentLedger:
    # The real clock: concurrent writers must not depend on a shared fake one.
    return replace(ledger(engine, Clock(), every=7), clock=utc_now)


def _rows(engine: Engine, table) -> list:
    with engine.connect() as conn:
        return conn.execute(select(table)).all()


def test_records_are_never_rewritten(store, engine) -> None:
    record_consent(store, command(ConsentStatus.GRANTED))
    before = _rows(engine, consent_records)
    record_consent(store, command(ConsentStatus.WITHDRAWN))
    after = _rows(engine, consent_records)
    assert after[0] == before[0] and len(after) == 2
    with pytest.raises(DBAPIError, match="not allowed"), engine.begin() as conn:
        conn.execute(text("UPDATE consent_records SET status = 'granted'"))
    assert _rows(engine, consent_records) == after


def test_every_record_has_every_r1_field_and_a_reproducible_notice(store, engine) -> None:
    other_notice = "ข้อความแจ้งเพื่อขอความยินยอม"
    record_consent(store, command(ConsentStatus.GRANTED, purpose="email_marketing"))
    record_consent(
        store,
        command(
            ConsentStatus.GRANTED, purpose="sms_marketing", notice_text=other_notice, language="th"
        ),
    )
    record_consent(
        store,
        command(
            ConsentStatus.DENIED,
            purpose="analytics",
            notice_text="",
            notice_sha256=notice_digest(NOTICE),
        ),
    )
    records = _rows(engine, consent_records)
    assert all(getattr(row, column) not in (None, "") for row in records for column in R1_COLUMNS)
    assert {row.sha256 for row in _rows(engine, consent_notices)} == {
        notice_digest(NOTICE),
        notice_digest(other_notice),
    }
    assert all(
        notice_digest(notice_text(engine, row.notice_sha256)) == row.notice_sha256
        for row in records
    )


def test_a_record_cannot_point_at_a_notice_that_is_not_stored(store, engine) -> None:
    record_consent(store, command())
    row = dict(_rows(engine, consent_records)[0]._mapping)
    del row["sequence"]
    row |= {"record_id": "x" * 32, "request_id": None, "notice_sha256": "cd" * 32}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(consent_records.insert().values(**row))


def test_notices_and_audit_entries_cannot_be_changed_or_removed(store, engine) -> None:
    record_consent(store, command())
    statements = [
        "UPDATE consent_notices SET text = 'other'",
        "DELETE FROM consent_notices",
        "UPDATE audit_entries SET body = '{}'",
        "DELETE FROM audit_entries",
    ]
    if not is_sqlite(engine):
        statements += ["TRUNCATE audit_entries", "TRUNCATE consent_notices CASCADE"]
    for statement in statements:
        with pytest.raises(DBAPIError, match="not allowed"), engine.begin() as conn:
            conn.execute(text(statement))
    assert verify_audit_chain(engine, store.audit.public_key) == (True, 1, 0, "")


def test_concurrent_decisions_keep_one_valid_chain_with_one_entry_each(store, engine) -> None:
    def person(n: int) -> None:
        subject = IdentifierRef("email", f"person{n}@example.test")
        for i in range(12):
            status = ConsentStatus.GRANTED if i % 2 == 0 else ConsentStatus.WITHDRAWN
            record_consent(store, command(status, subject=subject, purpose=f"purpose_{i % 3}"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(person, range(8)))

    assert verify_audit_chain(engine, store.audit.public_key) == (True, 96, 0, "")
    assert len(_rows(engine, consent_records)) == 96
    assert [row.sequence for row in _rows(engine, audit_checkpoints)] == list(range(7, 97, 7))


def test_concurrent_retries_of_one_request_record_it_once(store, engine) -> None:
    cmd = command(request_id="retry-1")
    with ThreadPoolExecutor(max_workers=6) as pool:
        names = {r.name for r in pool.map(lambda _: record_consent(store, cmd), range(12))}
    assert len(names) == 1 and len(_rows(engine, consent_records)) == 1
    with engine.connect() as conn:
        assert count_entries(conn) == 1


def test_no_identifier_value_reaches_the_database_files(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    engine = migrated_engine(f"sqlite:///{folder / 'consent.db'}")
    store = ledger(engine, Clock())
    values = ["canary+consent@example.test", "+84901234567"]
    record_consent(store, command(subject=IdentifierRef("email", values[0])))
    record_consent(store, command(subject=IdentifierRef("phone", values[1])))
    engine.dispose()
    assert find_plaintext(folder, values) == []
