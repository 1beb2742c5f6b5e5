"""The consent ledger in SQL: appends and reads only (the table refuses UPDATE itself)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from cdp.consent.adapters.consent_orm import consent_notices, consent_records
from cdp.consent.domain.consent import ConsentMethod, ConsentRecord, ConsentStatus
from cdp.db import is_sqlite

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def from_us(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


class SqlConsentLedger:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def by_request_id(self, request_id: str) -> tuple[ConsentRecord, str] | None:
        """The record an earlier call with this request_id appended, and that call's fingerprint."""
        row = self._conn.execute(
            select(consent_records).where(consent_records.c.request_id == request_id)
        ).first()
        return None if row is None else (_to_record(row), row.request_hash or "")

    def store_notice(self, sha256: str, text: str, now: datetime) -> None:
        """Stores a notice text once; a later identical text is a no-op."""
        insert_ = (sqlite.insert if is_sqlite(self._conn) else postgresql.insert)(consent_notices)
        self._conn.execute(
            insert_.on_conflict_do_nothing(index_elements=["sha256"]),
            {"sha256": sha256, "text": text, "create_us": to_us(now)},
        )

    def has_notice(self, sha256: str) -> bool:
        return (
            self._conn.execute(
                select(consent_notices.c.sha256).where(consent_notices.c.sha256 == sha256)
            ).first()
            is not None
        )

    def notice_text(self, sha256: str) -> str | None:
        return self._conn.execute(
            select(consent_notices.c.text).where(consent_notices.c.sha256 == sha256)
        ).scalar_one_or_none()

    def append(self, record: ConsentRecord, request_id: str, request_hash: str) -> ConsentRecord:
        result = self._conn.execute(
            insert(consent_records).values(
                **_to_row(record), request_id=request_id or None, request_hash=request_hash
            )
        )
        return replace(record, sequence=result.inserted_primary_key[0])

    def records(
        self,
        subject_ids: Collection[str],
        purposes: Collection[str] | None = None,
        started_by: datetime | None = None,
    ) -> list[ConsentRecord]:
        """Every record of these subjects (optionally: these purposes, started by then): one SELECT."""
        if not subject_ids:
            return []
        query = select(consent_records).where(consent_records.c.subject_id.in_(subject_ids))
        if purposes is not None:
            query = query.where(consent_records.c.purpose.in_(purposes))
        if started_by is not None:
            query = query.where(consent_records.c.valid_from_us <= to_us(started_by))
        return [_to_record(row) for row in self._conn.execute(query)]

    def history(self, subject_id: str, after_sequence: int, limit: int) -> list[ConsentRecord]:
        rows = self._conn.execute(
            select(consent_records)
            .where(
                consent_records.c.subject_id == subject_id,
                consent_records.c.sequence > after_sequence,
            )
            .order_by(consent_records.c.sequence)
            .limit(limit)
        )
        return [_to_record(row) for row in rows]


def records_of_subjects(conn: Connection, subject_ids: Sequence[str]) -> list[ConsentRecord]:
    """All records of these subjects, oldest first (for access exports)."""
    return sorted(SqlConsentLedger(conn).records(subject_ids), key=lambda r: r.sequence)


def _to_row(record: ConsentRecord) -> dict:
    return {
        "record_id": record.record_id,
        "subject_id": record.subject_id,
        "purpose": record.purpose,
        "status": record.status.value,
        "notice_id": record.notice_id,
        "notice_sha256": record.notice_sha256,
        "language": record.language,
        "channel": record.channel,
        "method": record.method.value,
        "evidence_ref": record.evidence_ref,
        "jurisdiction": record.jurisdiction,
        "valid_from_us": to_us(record.valid_from),
        "expire_us": None if record.expire_time is None else to_us(record.expire_time),
        "record_us": to_us(record.record_time),
        "actor": record.actor,
    }


def _to_record(row) -> ConsentRecord:
    return ConsentRecord(
        record_id=row.record_id,
        subject_id=row.subject_id,
        purpose=row.purpose,
        status=ConsentStatus(row.status),
        notice_id=row.notice_id,
        notice_sha256=row.notice_sha256,
        language=row.language,
        channel=row.channel,
        method=ConsentMethod(row.method),
        evidence_ref=row.evidence_ref,
        jurisdiction=row.jurisdiction,
        valid_from=from_us(row.valid_from_us),
        expire_time=None if row.expire_us is None else from_us(row.expire_us),
        record_time=from_us(row.record_us),
        actor=row.actor,
        sequence=row.sequence,
    )
