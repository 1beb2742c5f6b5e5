"""SQLAlchemy Core tables of the segmentation service: its read model, definitions and membership.

The read model holds no personal values: profile sends only non-personal trait values and event
properties (personal traits arrive as "present", with no value). Times are microseconds since the
Unix epoch (UTC).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
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
from sqlalchemy.dialects.postgresql import JSONB

from cdp.db.outbox import outbox_tables

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
RowId = BigInteger().with_variant(Integer(), "sqlite")
Document = JSON().with_variant(JSONB(), "postgresql")

# Live profiles (absorbed profiles are folded into their survivor and removed).
profiles = Table(
    "seg_profiles",
    metadata,
    Column("id", String(32), primary_key=True),
)

# Which pseudonymous subjects make up each profile (consent and restriction are per subject).
subjects = Table(
    "seg_subjects",
    metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("profile_id", String(32), primary_key=True),
    Index("ix_seg_subjects_profile", "profile_id"),
)

# One row per (profile, trait). The typed columns are filled from value_json when the value has that
# type (str_value for strings, num_value for numbers, bool_value for booleans, ts_value for strings
# that read as ISO-8601 instants), so a comparison uses the column of its literal's type.
traits = Table(
    "seg_traits",
    metadata,
    Column("profile_id", String(32), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("personal", Boolean, nullable=False),
    Column("value_json", Text, nullable=True),  # JSON of the value; NULL for personal traits
    Column("str_value", Text, nullable=True),
    Column("num_value", Float, nullable=True),
    Column("bool_value", Boolean, nullable=True),
    Column("ts_value", BigInteger, nullable=True),
    Column("subject_id", String(64), nullable=False),
    Index("ix_seg_traits_str", "key", "str_value", "profile_id"),
    Index("ix_seg_traits_num", "key", "num_value", "profile_id"),
    Index("ix_seg_traits_ts", "key", "ts_value", "profile_id"),
)

events = Table(
    "seg_events",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("profile_id", String(32), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("source", String(256), nullable=False),
    Column("message_id", String(256), nullable=False),
    Column("type", SmallInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("time", BigInteger, nullable=False),
    Column("properties", Document, nullable=False),  # non-personal properties only
    UniqueConstraint("message_id", "source", name="uq_seg_events_message"),
    Index("ix_seg_events_name_time", "name", "time", "profile_id"),
    Index("ix_seg_events_profile", "profile_id", "name", "time"),
    Index("ix_seg_events_subject", "subject_id"),
)

# Consent per (profile, purpose) as the consent service answered it; no row = not yet known = no.
consent = Table(
    "seg_consent",
    metadata,
    Column("profile_id", String(32), primary_key=True),
    Column("purpose", String(128), primary_key=True),
    Column("granted", Boolean, nullable=False),
    Column("checked_at", BigInteger, nullable=False),
    Index("ix_seg_consent_purpose", "purpose", "granted", "profile_id"),
)

# Profiles that may not be processed: restricted (kind "restricted") or being erased ("erased").
blocked = Table(
    "seg_blocked",
    metadata,
    Column("profile_id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
)

# The erasure fence: SHA-256 digests of fenced subject ids and profiles (cdp.pii.subjects).
suppressions = Table(
    "seg_suppressions",
    metadata,
    Column("digest", LargeBinary, primary_key=True),
)

segments = Table(
    "seg_segments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("condition", Text, nullable=False),  # canonical text
    Column("purpose", String(128), nullable=False),
    Column("state", SmallInteger, nullable=False),
    Column("error", Text, nullable=False),
    Column("member_count", BigInteger, nullable=False),
    Column("excluded_count", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),  # newest membership change
    Column("etag", String(32), nullable=False),
    Column("request_id", String(128), nullable=True, unique=True),
    Column("create_time", BigInteger, nullable=False),
    Column("update_time", BigInteger, nullable=False),
)

# Current membership: members, and people who match but are excluded (consent, restriction).
members = Table(
    "seg_members",
    metadata,
    Column("segment_id", String(64), primary_key=True),
    Column("profile_id", String(32), primary_key=True),
    Column("excluded", Boolean, nullable=False),
    Index("ix_seg_members_profile", "profile_id"),
)

# Scratch space of one evaluation (inside its transaction): the new state of the profiles in scope.
evaluation = Table(
    "seg_eval",
    metadata,
    Column("segment_id", String(64), primary_key=True),
    Column("profile_id", String(32), primary_key=True),
    Column("excluded", Boolean, nullable=False),
    Column("blocked_kind", String(16), nullable=True),
)

# The entered/exited changelog that WatchSegmentMembership streams.
changes = Table(
    "seg_changes",
    metadata,
    Column("segment_id", String(64), primary_key=True),
    Column("version", BigInteger, primary_key=True),
    Column("profile_id", String(32), nullable=False),
    Column("kind", SmallInteger, nullable=False),  # MembershipChangeKind
    Column("reason", String(32), nullable=False),
    Column("time", BigInteger, nullable=False),
    Index("ix_seg_changes_profile", "profile_id"),
)

computed_traits = Table(
    "seg_computed_traits",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("expression", Text, nullable=False),  # canonical text
    Column("create_time", BigInteger, nullable=False),
    Column("ready", Boolean, nullable=False),  # computed for everyone at least once
)

# The computed values last sent to profile (so only changes are sent).
computed_values = Table(
    "seg_computed_values",
    metadata,
    Column("profile_id", String(32), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value_json", Text, nullable=False),
)

progress = Table(
    "seg_progress",
    metadata,
    Column("stream", String(32), primary_key=True),
    Column("last_sequence", BigInteger, nullable=False),
)

# Computed trait values on their way to the profile service.
outbox, outbox_cursor = outbox_tables(metadata, "seg_outbox")

# The disclosure log (GDPR Art. 19): which recipient (a caller's token subject, e.g.
# "service:mailer") was given which profile through which segment, on a watch stream (ENTERED) or in
# a member list. Rows naming a profile are deleted when the person is erased.
disclosures = Table(
    "seg_disclosures",
    metadata,
    Column("recipient", String(128), primary_key=True),
    Column("segment_id", String(64), primary_key=True),
    Column("profile_id", String(32), primary_key=True),
    Column("first_version", BigInteger, nullable=False),  # the segment's version when first given
    Column("last_time", BigInteger, nullable=False),
    Index("ix_seg_disclosures_profile", "profile_id", "segment_id"),
)

# One row per recipient to tell that a person it was given exited for ERASED, CONSENT_WITHDRAWN or
# RESTRICTED: the EXITED change (segment, segment_created, version) it must process. Times are
# microseconds; delivered = its watch sent the change, acked = it resumed a watch after that
# version, escalated = not acked within 7 days. Erasure clears profile_id (the change row that
# stays names only an unlinkable profile id).
notifications = Table(
    "seg_notifications",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("recipient", String(128), nullable=False),
    Column("segment_id", String(64), nullable=False),
    # The segment's create_time: a segment deleted and made again restarts its versions at 1.
    Column("segment_created", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),  # 0: the segment was deleted before the exit
    Column("profile_id", String(32), nullable=True),
    Column("reason", String(32), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("delivered", BigInteger, nullable=True),
    Column("acked", BigInteger, nullable=True),
    Column("escalated", BigInteger, nullable=True),
    UniqueConstraint(
        "recipient", "segment_id", "segment_created", "version", name="uq_seg_notifications_change"
    ),
    Index("ix_seg_notifications_profile", "profile_id"),
    Index("ix_seg_notifications_open", "acked", "escalated", "created"),
)

# How far each segment's changelog has been scanned for exits that need notifications.
notify_progress = Table(
    "seg_notify_progress",
    metadata,
    Column("segment_id", String(64), primary_key=True),
    Column("segment_created", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
)

# Per erasure request, the recipients notified and how many notifications each got: the answer a
# repeated EraseSubject gives (a count, never the profile).
erasure_recipients = Table(
    "seg_erasure_recipients",
    metadata,
    Column("request", String(128), primary_key=True),
    Column("recipient", String(128), primary_key=True),
    Column("notifications", BigInteger, nullable=False),
)
