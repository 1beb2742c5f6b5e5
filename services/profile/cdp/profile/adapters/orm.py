"""SQLAlchemy Core tables of the profile service (personal values only in *_ct columns)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from cdp.db.outbox import outbox_tables

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
RowId = BigInteger().with_variant(Integer(), "sqlite")

profiles = Table(
    "profiles",
    metadata,
    Column("id", String(32), primary_key=True),
    # Set on absorbed profiles: their names keep resolving to the survivor.
    Column("merged_into", String(32), nullable=True, index=True),
    Column("event_count", BigInteger, nullable=False),
    Column("first_seen", BigInteger, nullable=True),  # microseconds since the epoch
    Column("last_seen", BigInteger, nullable=True),
    Column("groups", Text, nullable=False),  # JSON array of group ids
    Column("merged_profiles", Text, nullable=False),  # JSON array of absorbed profile ids
)

events = Table(
    "profile_events",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("profile_id", String(32), nullable=False),
    Column("source", String(256), nullable=False),
    Column("message_id", String(256), nullable=False),
    Column("type", SmallInteger, nullable=False),
    Column("event_name", Text, nullable=False),
    Column("event_time", BigInteger, nullable=False),
    Column("receive_time", BigInteger, nullable=False),
    Column("public_json", LargeBinary, nullable=False),
    # Sealed at the ingestion edge under the event's subject; stored exactly as received.
    Column("pii_ct", LargeBinary, nullable=False),
    Column("subject_id", String(64), nullable=False),
    # Blind index of the identifier that named the event's subject (splits move by it).
    Column("anchor", LargeBinary, nullable=False),
    UniqueConstraint("message_id", "source", name="uq_profile_events_message"),
    Index("ix_profile_events_timeline", "profile_id", "event_time", "id"),
    # Erasure finds a subject's rows on any profile; reads find restricted subjects on one.
    Index("ix_profile_events_subject", "subject_id", "profile_id"),
)

traits = Table(
    "profile_traits",
    metadata,
    Column("profile_id", String(32), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("personal", Boolean, nullable=False),
    Column("value_json", Text, nullable=True),  # non-personal values only
    Column("value_ct", LargeBinary, nullable=True),  # personal values, sealed under subject_id
    Column("subject_id", String(64), nullable=False),
    Column("source", String(256), nullable=False),
    Column("message_id", String(256), nullable=False),
    Column("event_time", BigInteger, nullable=False),
    Column("receive_time", BigInteger, nullable=False),
    Index("ix_profile_traits_subject", "subject_id"),
)

progress = Table(
    "profile_progress",
    metadata,
    Column("stream", String(32), primary_key=True),
    Column("last_sequence", BigInteger, nullable=False),
)

# The fence: SHA-256 digests of (kind, value) for fenced subject ids, blind indexes and profiles.
# Only digests are kept, so after erasure no raw subject id or blind index remains in any page.
suppressions = Table(
    "profile_suppressions",
    metadata,
    Column("digest", LargeBinary, primary_key=True),
)

# Restriction of processing; kind is "subject", "blind_index" (hex) or "profile".
restrictions = Table(
    "profile_restrictions",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("value", String(128), primary_key=True),
)

# Segmentation's computed values (plain: computed from its read model, which holds no personal data).
computed_traits = Table(
    "profile_computed_traits",
    metadata,
    Column("profile_id", String(32), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("value_json", Text, nullable=False),
    Column("compute_time", BigInteger, nullable=False),  # microseconds since the epoch
)

# Updates for segmentation (serialized ApplyProfileUpdatesRequests), deleted once delivered.
outbox, outbox_cursor = outbox_tables(metadata, "profile_outbox")
