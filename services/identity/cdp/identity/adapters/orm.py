"""Identity's tables (SQLAlchemy Core); identifiers are stored only as blind index + sealed value (*_ct)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from cdp.db.outbox import outbox_tables

metadata = MetaData()

profiles = Table(
    "profiles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "seq", BigInteger, nullable=False, unique=True
    ),  # creation order: the oldest survives a merge
    Column(
        "merged_into", String(32), nullable=True, index=True
    ),  # kept flat: always the live profile
    Column("create_time", DateTime(timezone=True), nullable=False),
)

identifiers = Table(
    "identifiers",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(64), nullable=False),
    Column("blind_index", LargeBinary(32), nullable=False),
    Column("value_ct", LargeBinary, nullable=False),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("profile_id", String(32), nullable=True, index=True),  # NULL for blocked values
    Column("blocked", Boolean, nullable=False),
    Column("link_time", DateTime(timezone=True), nullable=False),
    Column("message_id", String(128), nullable=False),
    # blind_index first: lookups by blind index alone (previous_id) use the same index.
    UniqueConstraint("blind_index", "type", name="uq_identifiers_blind_index_type"),
)

merge_records = Table(
    "merge_records",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("rule", String(128), nullable=False),
    Column("message_id", String(128), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("before_profiles", Text, nullable=False),  # comma-separated profile ids
    Column("after_profile", String(32), nullable=False),
    Column("node_ids", Text, nullable=False),  # comma-separated identifier ids
    Column("reason", String(32), nullable=False),
    Column("dedupe_key", String(64), nullable=True, unique=True),
)

# Which records touched which profile, so ExplainProfile is one indexed lookup.
record_profiles = Table(
    "record_profiles",
    metadata,
    Column("profile_id", String(32), primary_key=True),
    Column("sequence", BigInteger, primary_key=True),
)

processed_messages = Table(
    "processed_messages",
    metadata,
    # message_id first: a batch is looked up by its message ids, whatever the planner knows of sources.
    Column("message_id", String(128), primary_key=True),
    Column("source", Text, primary_key=True),
)

split_requests = Table(
    "split_requests",
    metadata,
    Column("request_id", String(128), primary_key=True),
    Column("new_profile", String(32), nullable=False),
    Column("record_sequence", BigInteger, nullable=False),
)

# Last ids handed out; never reused, so an old record can never name someone else's identifier.
id_counters = Table(
    "id_counters",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

outbox, outbox_cursor = outbox_tables(metadata, "outbox")

# Fenced people (privacy.md): what keeps them out after erasure. SHA-256 digests of their blind
# indexes and subject ids (domain-separated), so not even those keyed HMACs stay on disk.
suppressions = Table(
    "suppressions",
    metadata,
    Column("digest", LargeBinary(32), primary_key=True),
    Column("create_time", DateTime(timezone=True), nullable=False),
)

# Restriction of processing, by whatever the request named; reads check the person's whole profile.
restricted_indexes = Table(
    "restricted_indexes",
    metadata,
    Column("blind_index", LargeBinary(32), primary_key=True),
    Column("create_time", DateTime(timezone=True), nullable=False),
)

restricted_subjects = Table(
    "restricted_subjects",
    metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("create_time", DateTime(timezone=True), nullable=False),
)

restricted_profiles = Table(
    "restricted_profiles",
    metadata,
    Column("profile_id", String(32), primary_key=True),
    Column("create_time", DateTime(timezone=True), nullable=False),
)
