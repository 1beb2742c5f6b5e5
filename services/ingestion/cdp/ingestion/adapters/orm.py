"""Ingestion tables (SQLAlchemy Core): the dedup claims and the event log, which is the outbox."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, PrimaryKeyConstraint, String, Table

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
