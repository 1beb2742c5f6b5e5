"""Segmentation's read model, segment and computed-trait definitions, membership and changelog.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")
_TABLES = (
    "seg_blocked", "seg_changes", "seg_computed_traits", "seg_computed_values", "seg_consent",
    "seg_eval", "seg_events", "seg_members", "seg_outbox", "seg_outbox_cursor", "seg_profiles",
    "seg_progress", "seg_segments", "seg_subjects", "seg_suppressions", "seg_traits",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "seg_blocked",
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_table(
        "seg_changes",
        sa.Column("segment_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger(), primary_key=True),
        sa.Column("profile_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_seg_changes_profile", "seg_changes", ['profile_id'])
    op.create_table(
        "seg_computed_traits",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("ready", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "seg_computed_values",
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value_json", sa.Text(), nullable=False),
    )
    op.create_table(
        "seg_consent",
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("purpose", sa.String(128), primary_key=True),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_seg_consent_purpose", "seg_consent", ['purpose', 'granted', 'profile_id'])
    op.create_table(
        "seg_eval",
        sa.Column("segment_id", sa.String(64), primary_key=True),
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("blocked_kind", sa.String(16), nullable=True),
    )
    op.create_table(
        "seg_events",
        sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("profile_id", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("message_id", sa.String(256), nullable=False),
        sa.Column("type", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("properties", _DOCUMENT, nullable=False),
        sa.UniqueConstraint('message_id', 'source', name="uq_seg_events_message"),
    )
    op.create_index("ix_seg_events_profile", "seg_events", ['profile_id', 'name', 'time'])
    op.create_index("ix_seg_events_name_time", "seg_events", ['name', 'time', 'profile_id'])
    op.create_index("ix_seg_events_subject", "seg_events", ['subject_id'])
    op.create_table(
        "seg_members",
        sa.Column("segment_id", sa.String(64), primary_key=True),
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_seg_members_profile", "seg_members", ['profile_id'])
    op.create_table(
        "seg_outbox",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "seg_outbox_cursor",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "seg_profiles",
        sa.Column("id", sa.String(32), primary_key=True),
    )
    op.create_table(
        "seg_progress",
        sa.Column("stream", sa.String(32), primary_key=True),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "seg_segments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("condition", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(128), nullable=False),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("member_count", sa.BigInteger(), nullable=False),
        sa.Column("excluded_count", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True, unique=True),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "seg_subjects",
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("profile_id", sa.String(32), primary_key=True),
    )
    op.create_index("ix_seg_subjects_profile", "seg_subjects", ['profile_id'])
    op.create_table(
        "seg_suppressions",
        sa.Column("digest", sa.LargeBinary(), primary_key=True),
    )
    op.create_table(
        "seg_traits",
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=True),
        sa.Column("str_value", sa.Text(), nullable=True),
        sa.Column("num_value", sa.Float(), nullable=True),
        sa.Column("bool_value", sa.Boolean(), nullable=True),
        sa.Column("ts_value", sa.BigInteger(), nullable=True),
        sa.Column("subject_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_seg_traits_num", "seg_traits", ['key', 'num_value', 'profile_id'])
    op.create_index("ix_seg_traits_ts", "seg_traits", ['key', 'ts_value', 'profile_id'])
    op.create_index("ix_seg_traits_str", "seg_traits", ['key', 'str_value', 'profile_id'])


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_table(table)
