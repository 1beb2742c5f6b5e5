"""The identity graph: profiles, identifiers, merge records, processed messages, outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PROFILE_ID = sa.String(32)
TABLES = ("outbox_cursor", "outbox", "split_requests", "processed_messages", "record_profiles",
          "merge_records", "id_counters", "identifiers", "profiles")


def upgrade() -> None:
    _graph_tables()
    _history_tables()
    _delivery_tables()


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)


def _graph_tables() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", PROFILE_ID, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("merged_into", PROFILE_ID, nullable=True, index=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "identifiers",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("blind_index", sa.LargeBinary(32), nullable=False),
        sa.Column("value_ct", sa.LargeBinary, nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False, index=True),
        sa.Column("profile_id", PROFILE_ID, nullable=True, index=True),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.Column("link_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.UniqueConstraint("blind_index", "type", name="uq_identifiers_blind_index_type"),
    )
    counters = op.create_table(
        "id_counters",
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counters, [{"name": name, "value": 0} for name in ("node", "profile", "record")])


def _history_tables() -> None:
    op.create_table(
        "merge_records",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before_profiles", sa.Text, nullable=False),
        sa.Column("after_profile", PROFILE_ID, nullable=False),
        sa.Column("node_ids", sa.Text, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(64), nullable=True, unique=True),
    )
    op.create_table(
        "record_profiles",
        sa.Column("profile_id", PROFILE_ID, primary_key=True),
        sa.Column("sequence", sa.BigInteger, primary_key=True),
    )
    op.create_table(
        "split_requests",
        sa.Column("request_id", sa.String(128), primary_key=True),
        sa.Column("new_profile", PROFILE_ID, nullable=False),
        sa.Column("record_sequence", sa.BigInteger, nullable=False),
    )


def _delivery_tables() -> None:
    op.create_table(
        "processed_messages",
        sa.Column("message_id", sa.String(128), primary_key=True),
        sa.Column("source", sa.Text, primary_key=True),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "outbox_cursor",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
