"""The consent ledger's model: immutable records, and the current state derived from them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

RECORD_PREFIX = "consentRecords/"


class ConsentStatus(StrEnum):
    GRANTED = "granted"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"


class ConsentMethod(StrEnum):
    CHECKBOX = "checkbox"
    SMS_SYNTAX = "sms_syntax"
    VOICE = "voice"
    WRITTEN = "written"
    API = "api"


JURISDICTIONS = frozenset({"gdpr", "pdpa-th", "pdpl-vn"})


@dataclass(frozen=True)
class IdentifierRef:
    """A subject named by an identifier; the value is personal data, kept out of repr and logs."""

    type: str
    value: str = field(repr=False)


@dataclass(frozen=True)
class RecordConsent:
    """Grant, denial and withdrawal alike: one command, the same required fields."""

    subject: IdentifierRef
    purpose: str
    status: ConsentStatus | None
    method: ConsentMethod | None
    notice_id: str
    notice_sha256: str
    notice_text: str = field(repr=False)
    language: str
    channel: str
    evidence_ref: str
    jurisdiction: str
    valid_from: datetime | None
    expire_time: datetime | None
    request_id: str
    actor: str


@dataclass(frozen=True)
class ConsentRecord:
    record_id: str
    subject_id: str
    purpose: str
    status: ConsentStatus
    notice_id: str
    notice_sha256: str
    language: str
    channel: str
    method: ConsentMethod
    evidence_ref: str
    jurisdiction: str
    valid_from: datetime
    expire_time: datetime | None
    record_time: datetime
    actor: str
    sequence: int = 0

    @property
    def name(self) -> str:
        return RECORD_PREFIX + self.record_id

    def started(self, now: datetime) -> bool:
        return self.valid_from <= now

    def lapsed(self, now: datetime) -> bool:
        return self.expire_time is not None and self.expire_time <= now


@dataclass(frozen=True)
class PurposeState:
    purpose: str
    status: ConsentStatus | None  # None: no decision in force (no record, not yet valid, expired)
    record: str  # the record that decided it, "" when none has started


@dataclass(frozen=True)
class ConsentQuery:
    subject: str  # a subject id or a profile name
    purpose: str


def notice_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def deciding_record(records: Iterable[ConsentRecord], now: datetime) -> ConsentRecord | None:
    """The latest record in force: greatest valid_from not after now, ties to the later append.

    Ordering by valid_from (not by record time) lets a decision recorded late, e.g. from paper,
    take its place in time without overriding what the subject said after it.
    """
    started = [r for r in records if r.started(now)]
    return max(started, key=lambda r: (r.valid_from, r.sequence), default=None)


def is_granted(records: Iterable[ConsentRecord], now: datetime) -> bool:
    """Silence is not consent: only a started, unexpired grant that is the latest decision counts."""
    record = deciding_record(records, now)
    return record is not None and record.status is ConsentStatus.GRANTED and not record.lapsed(now)


def purpose_states(records: Iterable[ConsentRecord], now: datetime) -> list[PurposeState]:
    """One state per purpose with any record; an expired decision counts as no decision."""
    by_purpose: dict[str, list[ConsentRecord]] = {}
    for record in records:
        by_purpose.setdefault(record.purpose, []).append(record)
    states = []
    for purpose in sorted(by_purpose):
        record = deciding_record(by_purpose[purpose], now)
        if record is None:
            states.append(PurposeState(purpose, None, ""))
        elif record.lapsed(now):
            states.append(PurposeState(purpose, None, record.name))
        else:
            states.append(PurposeState(purpose, record.status, record.name))
    return states
