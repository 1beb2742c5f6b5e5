"""The outbox feeding segmentation, and segmentation's computed traits shown on profiles.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sqlite_autoincrement=True,  # update sequences derive from seq: never reuse one
    )
    op.create_table(
        "profile_outbox_cursor",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "profile_computed_traits",
        sa.Column("profile_id", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("value_json", sa.Text, nullable=False),
        sa.Column("compute_time", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("profile_computed_traits")
    op.drop_table("profile_outbox_cursor")
    op.drop_table("profile_outbox")
