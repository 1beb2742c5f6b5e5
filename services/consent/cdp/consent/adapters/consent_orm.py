"""Consent ledger and audit chain tables (SQLAlchemy Core), on the service's shared metadata."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from cdp.consent.adapters.orm import metadata
from cdp.db.outbox import outbox_tables

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")

# Notice texts, stored once by their SHA-256 (hex); a notice is not personal data.
consent_notices = Table(
    "consent_notices",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("text", Text, nullable=False),
    Column("create_us", BigInteger, nullable=False),
)

# The append-only ledger (a database trigger refuses UPDATE). Times are UTC epoch microseconds.
# No identifier value is stored: the subject is its pseudonymous subject id.
consent_records = Table(
    "consent_records",
    metadata,
    Column("sequence", _SEQUENCE, primary_key=True, autoincrement=True),
    Column("record_id", String(32), nullable=False, unique=True),
    Column("request_id", String(128), nullable=True, unique=True),
    Column("request_hash", String(64), nullable=True),
    Column("subject_id", String(64), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("notice_id", String(128), nullable=False),
    Column("notice_sha256", String(64), ForeignKey("consent_notices.sha256"), nullable=False),
    Column("language", String(35), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("method", String(16), nullable=False),
    Column("evidence_ref", String(256), nullable=False),
    Column("jurisdiction", String(16), nullable=False),
    Column("valid_from_us", BigInteger, nullable=False),
    Column("expire_us", BigInteger, nullable=True),
    Column("record_us", BigInteger, nullable=False),
    Column("actor", String(256), nullable=False),
    Index("ix_consent_records_subject_purpose", "subject_id", "purpose", "valid_from_us"),
    Index("ix_consent_records_subject_sequence", "subject_id", "sequence"),
)

# The audit hash chain: `body` is the canonical JSON that was hashed, byte for byte.
audit_entries = Table(
    "audit_entries",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_hash", String(64), nullable=False),
    Column("time", String(32), nullable=False),
    Column("signature", LargeBinary, nullable=False),
)

# Subjects whose consent, restriction or erasure state changed, for segmentation to re-check; an
# entry is deleted once delivered, and scrubbed of a subject when that subject is erased.
consent_outbox, consent_outbox_cursor = outbox_tables(metadata, "consent_outbox")
