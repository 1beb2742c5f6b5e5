"""The disclosure log and the notifications owed to recipients (GDPR Art. 19).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TABLES = ("seg_disclosures", "seg_notifications", "seg_notify_progress", "seg_erasure_recipients")


def upgrade() -> None:
    op.create_table(
        "seg_disclosures",
        sa.Column("recipient", sa.String(128), primary_key=True),
        sa.Column("segment_id", sa.String(64), primary_key=True),
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("first_version", sa.BigInteger(), nullable=False),
        sa.Column("last_time", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_seg_disclosures_profile", "seg_disclosures", ["profile_id", "segment_id"])
    op.create_table(
        "seg_notifications",
        sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("segment_id", sa.String(64), nullable=False),
        sa.Column("segment_created", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("profile_id", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=True),
        sa.Column("acked", sa.BigInteger(), nullable=True),
        sa.Column("escalated", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint(
            "recipient",
            "segment_id",
            "segment_created",
            "version",
            name="uq_seg_notifications_change",
        ),
    )
    op.create_index("ix_seg_notifications_profile", "seg_notifications", ["profile_id"])
    op.create_index(
        "ix_seg_notifications_open", "seg_notifications", ["acked", "escalated", "created"]
    )
    op.create_table(
        "seg_notify_progress",
        sa.Column("segment_id", sa.String(64), primary_key=True),
        sa.Column("segment_created", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "seg_erasure_recipients",
        sa.Column("request", sa.String(128), primary_key=True),
        sa.Column("recipient", sa.String(128), primary_key=True),
        sa.Column("notifications", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_table(table)
