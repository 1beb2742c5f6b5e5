"""Profiles, their timeline, traits with provenance and the applied-sequence watermark.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("merged_into", sa.String(32), nullable=True),
        sa.Column("event_count", sa.BigInteger, nullable=False),
        sa.Column("first_seen", sa.BigInteger, nullable=True),
        sa.Column("last_seen", sa.BigInteger, nullable=True),
        sa.Column("groups", sa.Text, nullable=False),
        sa.Column("merged_profiles", sa.Text, nullable=False),
    )
    op.create_index("ix_profiles_merged_into", "profiles", ["merged_into"])
    op.create_table(
        "profile_events",
        sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("profile_id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("message_id", sa.String(256), nullable=False),
        sa.Column("type", sa.SmallInteger, nullable=False),
        sa.Column("event_name", sa.Text, nullable=False),
        sa.Column("event_time", sa.BigInteger, nullable=False),
        sa.Column("receive_time", sa.BigInteger, nullable=False),
        sa.Column("public_json", sa.LargeBinary, nullable=False),
        sa.Column("pii_ct", sa.LargeBinary, nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("anchor", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("message_id", "source", name="uq_profile_events_message"),
    )
    op.create_index("ix_profile_events_timeline", "profile_events",
                    ["profile_id", "event_time", "id"])
    op.create_table(
        "profile_traits",
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("personal", sa.Boolean, nullable=False),
        sa.Column("value_json", sa.Text, nullable=True),
        sa.Column("value_ct", sa.LargeBinary, nullable=True),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("message_id", sa.String(256), nullable=False),
        sa.Column("event_time", sa.BigInteger, nullable=False),
        sa.Column("receive_time", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "profile_progress",
        sa.Column("stream", sa.String(32), primary_key=True),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("profile_progress")
    op.drop_table("profile_traits")
    op.drop_index("ix_profile_events_timeline", "profile_events")
    op.drop_table("profile_events")
    op.drop_index("ix_profiles_merged_into", "profiles")
    op.drop_table("profiles")
