"""Data-subject requests: suppression of fenced subjects and restriction of processing.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (
    ("suppressions", "digest", sa.LargeBinary(32)),
    ("restricted_indexes", "blind_index", sa.LargeBinary(32)),
    ("restricted_subjects", "subject_id", sa.String(64)),
    ("restricted_profiles", "profile_id", sa.String(32)),
)


def upgrade() -> None:
    for table, key, key_type in TABLES:
        op.create_table(
            table,
            sa.Column(key, key_type, primary_key=True),
            sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        )


def downgrade() -> None:
    for table, _key, _type in reversed(TABLES):
        op.drop_table(table)
