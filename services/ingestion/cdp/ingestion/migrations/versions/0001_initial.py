"""Dedup claims and the event log (outbox entries plus the relay cursor).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_ids",
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("receive_time_ns", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("source", "message_id", name="pk_message_ids"),
        sqlite_with_rowid=False,  # the key is the row: one B-tree instead of a table plus an index
    )
    op.create_table(
        "event_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sqlite_autoincrement=True,  # a deleted tail must never have its sequence numbers reused
    )
    op.create_table(
        "event_log_cursor",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("event_log_cursor")
    op.drop_table("event_log")
    op.drop_table("message_ids")
