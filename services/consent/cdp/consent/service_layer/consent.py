"""Consent ledger use cases: one transaction each; a recorded decision and its audit entry commit together."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine

from cdp.consent.adapters import consent_feed
from cdp.consent.adapters.audit_repository import AUDIT_LOCK, AuditWriter
from cdp.consent.adapters.consent_repository import SqlConsentLedger
from cdp.consent.domain.audit import NewAuditEntry
from cdp.consent.domain.consent import (
    ConsentQuery,
    ConsentRecord,
    IdentifierRef,
    PurposeState,
    RecordConsent,
    is_granted,
    purpose_states,
)
from cdp.consent.domain.consent_rules import (
    PROFILE_NAME,
    check_page_size,
    check_queries,
    check_record_consent,
    decode_page_token,
    encode_page_token,
    notice_sha256_of,
    request_fingerprint,
)
from cdp.consent.domain.receipts import subject_digest
from cdp.db import write_transaction
from cdp.errors import FailedPrecondition, InvalidArgument, field_required
from cdp.pii import IDENTIFIER_TYPES, BlindIndexer, InvalidIdentifier
from cdp.pii.normalize import CUSTOM_TYPE, is_blocked, normalize

RECORDED = "consent.recorded"


class SubjectDirectory(Protocol):
    def subject_ids(self, profiles: Sequence[str]) -> dict[str, frozenset[str]]: ...

    def profiles_of(self, identifier: IdentifierRef) -> list[str]:
        """Profile names identity links to this identifier; [] when unknown or unreachable."""
        ...


# The restriction/erasure hook: which of these subject ids may not be processed at all.
Blocked = Callable[[Sequence[str]], Set[str]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def no_relay() -> None:
    """Nothing to wake: the outbox entry waits for a relay's next poll."""


@dataclass(frozen=True)
class ConsentLedger:
    """What the consent use cases need; built once by the composition root."""

    engine: Engine
    indexer: BlindIndexer
    audit: AuditWriter
    directory: SubjectDirectory | None = None
    blocked: Blocked | None = None
    clock: Callable[[], datetime] = utc_now
    # Called after a record commits: wakes the relay that tells segmentation (R4 within 1 s).
    notify: Callable[[], None] = no_relay


def record_consent(ledger: ConsentLedger, cmd: RecordConsent) -> ConsentRecord:
    now = ledger.clock()
    subject_id = subject_id_of(ledger.indexer, cmd.subject)
    check_record_consent(cmd, now)
    fingerprint = request_fingerprint(cmd, subject_id)
    # Asked before the transaction: segmentation may know the person only by other identifiers.
    profiles = ledger.directory.profiles_of(cmd.subject) if ledger.directory else []
    with write_transaction(ledger.engine, AUDIT_LOCK) as conn:
        store = SqlConsentLedger(conn)
        earlier = store.by_request_id(cmd.request_id) if cmd.request_id else None
        if earlier is not None:
            return _repeated(*earlier, fingerprint)
        notice_sha256 = _store_notice(store, cmd, now)
        record = store.append(
            _new_record(cmd, subject_id, notice_sha256, now), cmd.request_id, fingerprint
        )
        ledger.audit.append(conn, _audit_entry(record, now))
        consent_feed.append_changes(conn, [subject_id], profiles)
    ledger.notify()
    return record


def consent_state(ledger: ConsentLedger, subject: IdentifierRef) -> tuple[str, list[PurposeState]]:
    subject_id = subject_id_of(ledger.indexer, subject)
    now = ledger.clock()
    with ledger.engine.connect() as conn:
        records = SqlConsentLedger(conn).records([subject_id])
    return subject_id, purpose_states(records, now)


def consent_history(
    ledger: ConsentLedger, subject: IdentifierRef, page_size: int, page_token: str
) -> tuple[list[ConsentRecord], str]:
    """Oldest first; the token continues after the last record returned."""
    size = check_page_size(page_size)
    subject_id = subject_id_of(ledger.indexer, subject)
    after = decode_page_token(page_token, subject_id) if page_token else 0
    with ledger.engine.connect() as conn:
        records = SqlConsentLedger(conn).history(subject_id, after, size + 1)
    if len(records) <= size:
        return records, ""
    return records[:size], encode_page_token(records[size - 1].sequence, subject_id)


def check_consent(ledger: ConsentLedger, queries: Sequence[ConsentQuery]) -> list[bool]:
    """Per query: granted for the purpose across all the person's subject ids, and not blocked."""
    check_queries(queries)
    if not queries:
        return []
    people = _people(ledger, queries)
    subject_ids = set().union(*people.values())
    now = ledger.clock()
    with ledger.engine.connect() as conn:
        found = SqlConsentLedger(conn).records(
            subject_ids, {q.purpose for q in queries}, started_by=now
        )
    by_key: dict[tuple[str, str], list[ConsentRecord]] = defaultdict(list)
    for record in found:
        by_key[(record.subject_id, record.purpose)].append(record)
    blocked = ledger.blocked(sorted(subject_ids)) if ledger.blocked and subject_ids else set()
    return [
        not (people[q.subject] & blocked)
        and is_granted([r for s in people[q.subject] for r in by_key[(s, q.purpose)]], now)
        for q in queries
    ]


def notice_text(engine: Engine, notice_sha256: str) -> str | None:
    """The exact notice text behind a record's notice_sha256 (proof of what was shown)."""
    with engine.connect() as conn:
        return SqlConsentLedger(conn).notice_text(notice_sha256)


def subject_id_of(indexer: BlindIndexer, subject: IdentifierRef, field: str = "subject") -> str:
    """The pseudonymous subject named by an identifier; the value itself goes no further."""
    if not subject.type:
        raise field_required(f"{field}.type")
    if subject.type not in IDENTIFIER_TYPES and not CUSTOM_TYPE.match(subject.type):
        # Checked before normalize(), whose messages repeat the type (unbounded, caller-chosen).
        raise InvalidArgument(
            "UNKNOWN_IDENTIFIER_TYPE",
            "identifier type must be lower_snake_case",
            field=f"{field}.type",
        )
    if not subject.value:
        raise field_required(f"{field}.value")
    try:
        normalized = normalize(subject.type, subject.value)
    except InvalidIdentifier as exc:
        part = "type" if exc.reason == "UNKNOWN_IDENTIFIER_TYPE" else "value"
        raise InvalidArgument(exc.reason, str(exc), field=f"{field}.{part}") from None
    if is_blocked(normalized):
        raise InvalidArgument(
            "BLOCKED_IDENTIFIER", "this placeholder value names nobody", field=f"{field}.value"
        )
    return indexer.subject_id(indexer.index(subject.type, normalized))


def _people(ledger: ConsentLedger, queries: Sequence[ConsentQuery]) -> dict[str, frozenset[str]]:
    profiles = [q.subject for q in queries if PROFILE_NAME.match(q.subject)]
    people = {q.subject: frozenset({q.subject}) for q in queries if q.subject not in profiles}
    if profiles and ledger.directory is None:
        raise FailedPrecondition(
            "PROFILE_RESOLUTION_UNAVAILABLE",
            "this server cannot resolve profile names; ask by subject id",
        )
    if profiles:
        people.update(ledger.directory.subject_ids(profiles))
    return people


def _repeated(record: ConsentRecord, first_asked: str, asked_now: str) -> ConsentRecord:
    if first_asked != asked_now:
        raise InvalidArgument(
            "REQUEST_ID_REUSED",
            "request_id was already used for a different consent record",
            field="request_id",
        )
    return record


def _store_notice(store: SqlConsentLedger, cmd: RecordConsent, now: datetime) -> str:
    notice_sha256 = notice_sha256_of(cmd)
    if cmd.notice_text:
        store.store_notice(notice_sha256, cmd.notice_text, now)
    elif not store.has_notice(notice_sha256):
        # Every record's notice must be reproducible (R5): an unknown hash needs its text once.
        raise FailedPrecondition(
            "NOTICE_TEXT_UNKNOWN",
            "no notice text is stored for record.notice_sha256; send notice_text",
            field="notice_text",
        )
    return notice_sha256


def _new_record(
    cmd: RecordConsent, subject_id: str, notice_sha256: str, now: datetime
) -> ConsentRecord:
    assert cmd.status is not None and cmd.method is not None  # checked by check_record_consent
    return ConsentRecord(
        record_id=uuid.uuid4().hex,
        subject_id=subject_id,
        purpose=cmd.purpose,
        status=cmd.status,
        notice_id=cmd.notice_id,
        notice_sha256=notice_sha256,
        language=cmd.language,
        channel=cmd.channel,
        method=cmd.method,
        evidence_ref=cmd.evidence_ref,
        jurisdiction=cmd.jurisdiction,
        valid_from=cmd.valid_from or now,
        expire_time=cmd.expire_time,
        record_time=now,
        actor=cmd.actor,
    )


def _audit_entry(record: ConsentRecord, now: datetime) -> NewAuditEntry:
    return NewAuditEntry(
        actor=record.actor,
        action=RECORDED,
        # A digest, not the subject id: once the person is erased no row may still name them (T10).
        details={
            "subject_digest": subject_digest([record.subject_id]),
            "record": record.name,
            "purpose": record.purpose,
            "status": record.status.value,
            "method": record.method.value,
            "channel": record.channel,
            "jurisdiction": record.jurisdiction,
            "notice_sha256": record.notice_sha256,
        },
        time=now,
    )
