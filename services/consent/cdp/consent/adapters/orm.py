"""Consent service tables (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, LargeBinary, MetaData, String, Table

metadata = MetaData()

# One row per subject with its current key, only ever wrapped by the KEK. Destroying a key deletes its
# rows; what keeps the subject from ever getting a new one is its suppression entry (an HMAC).
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
    Column("encryptions", BigInteger, nullable=False, default=0),  # under the current version
)

# Earlier versions of a subject's key, retired by usage-budget rotation; they still open old data.
subject_key_versions = Table(
    "subject_key_versions",
    metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("key_version", Integer, primary_key=True),
    Column("kek_version", Integer, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("retire_time", DateTime(timezone=True), nullable=False),
)
