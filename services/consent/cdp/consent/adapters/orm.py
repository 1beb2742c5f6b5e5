"""Consent service tables (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table

metadata = MetaData()

# One row per subject; the DEK only ever wrapped by the KEK. Destroyed keys keep a tombstone row
# (wrapped_key NULL, destroy_time set) so the subject can never get a new key.
subject_keys = Table(
    "subject_keys",
    metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("key_version", Integer, nullable=False),
    Column("kek_version", Integer, nullable=True),
    Column("wrapped_key", LargeBinary, nullable=True),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("destroy_time", DateTime(timezone=True), nullable=True),
    Column("destroy_request", String(128), nullable=True),
)
