"""Builders for consent tests of every kind: commands, a ledger on a migrated engine, a movable clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from cdp.consent.adapters.audit_repository import AuditWriter
from cdp.consent.bootstrap import MIGRATIONS
from cdp.consent.domain.consent import (
    ConsentMethod,
    ConsentRecord,
    ConsentStatus,
    IdentifierRef,
    RecordConsent,
    notice_digest,
)
from cdp.consent.service_layer.consent import ConsentLedger
from cdp.db import make_engine, upgrade
from cdp.pii import BlindIndexer

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
NOTICE = "Chúng tôi gửi email tiếp thị cho bạn. / We send you marketing email."


class Clock:
    """A clock tests move by hand (expiry without sleeping)."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def migrated_engine(url: str = "sqlite://") -> Engine:
    engine = make_engine(url)
    upgrade(engine, MIGRATIONS)
    return engine


def ledger(engine: Engine, clock: Clock | None = None, every: int = 100, **extra) -> ConsentLedger:
    clock = clock or Clock()
    audit = AuditWriter(Ed25519PrivateKey.generate(), every, clock=clock)
    return ConsentLedger(engine, BlindIndexer(b"k" * 32), audit, clock=clock, **extra)


def command(
    status: ConsentStatus | None = ConsentStatus.GRANTED,
    purpose: str = "email_marketing",
    email: str = "alice@example.test",
    **changes,
) -> RecordConsent:
    base = RecordConsent(
        subject=IdentifierRef("email", email),
        purpose=purpose,
        status=status,
        method=ConsentMethod.CHECKBOX,
        notice_id="notice-email-v3",
        notice_sha256="",
        notice_text=NOTICE,
        language="vi",
        channel="web",
        evidence_ref="evidence/9f1c2a",
        jurisdiction="pdpl-vn",
        valid_from=None,
        expire_time=None,
        request_id="",
        actor="test",
    )
    return replace(base, **changes)


def record(
    status: ConsentStatus,
    purpose: str = "email_marketing",
    valid_from: datetime = T0,
    expire_time: datetime | None = None,
    sequence: int = 1,
) -> ConsentRecord:
    return ConsentRecord(
        record_id=f"r{sequence}",
        subject_id="sub_" + "a" * 24,
        purpose=purpose,
        status=status,
        notice_id="n1",
        notice_sha256=notice_digest(NOTICE),
        language="en",
        channel="web",
        method=ConsentMethod.CHECKBOX,
        evidence_ref="e1",
        jurisdiction="gdpr",
        valid_from=valid_from,
        expire_time=expire_time,
        record_time=valid_from,
        actor="test",
        sequence=sequence,
    )
