"""Ingestion tables (SQLAlchemy Core): dedup claims, the event log (outbox), suppressions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from cdp.db.outbox import outbox_tables
from cdp.ingestion.domain.model import MAX_MESSAGE_ID, MAX_SOURCE

metadata = MetaData()

# One row per (source, message_id) ever accepted: the dedup key. Message ids are sender-made
# opaque ids, not personal data; no other column of an event is stored outside the sealed log.
message_ids = Table(
    "message_ids",
    metadata,
    Column("source", String(MAX_SOURCE), nullable=False),
    Column("message_id", String(MAX_MESSAGE_ID), nullable=False),
    Column("receive_time_ns", BigInteger, nullable=False),
    PrimaryKeyConstraint("source", "message_id", name="pk_message_ids"),
    sqlite_with_rowid=False,  # the key is the row: one B-tree instead of a table plus an index
)

# The durable event log: one entry per accepted batch (a serialized SealedEventBatch), kept after
# delivery; the relay to identity only advances its cursor.
event_log, event_log_cursor = outbox_tables(metadata, prefix="event_log")

# The suppression set of erased subjects: SHA-256 digests of their blind indexes and subject ids
# (domain.suppression), never the keys themselves. `seq` orders entries so each process catches
# up with one range query; `log_seq` is the last event-log entry written before the fence.
suppressions = Table(
    "suppressions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("digest", LargeBinary(32), nullable=False),
    Column("log_seq", Integer, nullable=False),
    UniqueConstraint("digest", name="uq_suppressions_digest"),
    sqlite_autoincrement=True,  # a catching-up reader must never see a sequence number twice
)

# Restricted subjects (digests of subject ids, blind indexes and profile names). Ingestion keeps
# storing their events (storage is allowed under restriction); erasure deletes these rows.
restrictions = Table(
    "restrictions",
    metadata,
    Column("digest", LargeBinary(32), primary_key=True),
    Column("restricted_ns", BigInteger, nullable=False),
)
