"""Operator reads of personal data (RecordDataAccess): exactly one audit entry each (R22)."""

from __future__ import annotations

from sqlalchemy import Engine

from cdp.consent.adapters.audit_repository import AUDIT_LOCK, AuditWriter
from cdp.consent.domain.access import ACTION, DataAccess
from cdp.consent.domain.audit import NewAuditEntry
from cdp.db import write_transaction


def record_data_access(access: DataAccess, engine: Engine, audit: AuditWriter) -> int:
    """Appends the read's entry in its own transaction; its sequence in the chain."""
    entry = NewAuditEntry(actor=access.actor, action=ACTION, details=access.details())
    with write_transaction(engine, AUDIT_LOCK) as conn:
        return audit.append(conn, entry).sequence
