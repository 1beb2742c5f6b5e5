"""An objection to direct marketing: a WITHDRAWN record for every marketing purpose, with evidence."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from cdp.consent.adapters import consent_feed
from cdp.consent.adapters.audit_repository import AUDIT_LOCK, AuditWriter
from cdp.consent.adapters.consent_repository import SqlConsentLedger
from cdp.consent.domain.audit import NewAuditEntry
from cdp.consent.domain.consent import ConsentMethod, ConsentRecord, ConsentStatus, notice_digest
from cdp.consent.domain.processing import MARKETING
from cdp.consent.domain.receipts import subject_digest
from cdp.db import write_transaction

NOTICE = (
    "The data subject objected to processing for direct marketing (GDPR Art. 21(2)-(3), Thai PDPA "
    "s.32, Vietnam Law 91/2025). Every marketing purpose is withdrawn."
)


def withdraw_marketing(
    engine: Engine,
    audit: AuditWriter,
    request: str,
    subject_ids: list[str],
    jurisdiction: str = "gdpr",
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    notify: Callable[[], None] = lambda: None,
) -> int:
    """Appends the withdrawals; idempotent per (request, subject, purpose) through the request id.

    Subjects with a new withdrawal go to the consent outbox in the same transaction; `notify` wakes
    its relay after the commit.
    """
    now, sha = clock(), notice_digest(NOTICE)
    request_id = request.rsplit("/", 1)[-1]
    written, changed = 0, []
    with write_transaction(engine, AUDIT_LOCK) as conn:
        ledger = SqlConsentLedger(conn)
        ledger.store_notice(sha, NOTICE, now)
        for subject_id in subject_ids:
            for purpose in MARKETING:
                key = f"{request_id}/{subject_id}/{purpose}"
                if ledger.by_request_id(key) is not None:
                    continue
                # The fingerprint column holds 64 characters; the key is longer (PostgreSQL refuses).
                ledger.append(
                    _record(subject_id, purpose, sha, request_id, jurisdiction, now),
                    key,
                    hashlib.sha256(key.encode()).hexdigest(),
                )
                written += 1
                changed.append(subject_id)
        audit.append(
            conn,
            NewAuditEntry(
                actor="privacy-service",
                action="consent.objection",
                details={
                    "request": request,
                    "subject_digest": subject_digest(subject_ids),
                    "withdrawn": written,
                },
            ),
        )
        consent_feed.append_changes(conn, changed)  # last: the outbox lock follows the audit lock
    notify()
    return written


def _record(
    subject_id: str, purpose: str, sha: str, request_id: str, jurisdiction: str, now: datetime
) -> ConsentRecord:
    return ConsentRecord(
        record_id=uuid.uuid4().hex,
        subject_id=subject_id,
        purpose=purpose,
        status=ConsentStatus.WITHDRAWN,
        notice_id="objection-to-direct-marketing",
        notice_sha256=sha,
        language="en",
        channel="data-subject-request",
        method=ConsentMethod.API,
        evidence_ref=f"dsr-{request_id}",
        jurisdiction=jurisdiction,
        valid_from=now,
        expire_time=None,
        record_time=now,
        actor="privacy-service",
    )
