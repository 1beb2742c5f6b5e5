"""Subject data keys, wrapped by the KEK, with tombstones.

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
        "subject_keys",
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("key_version", sa.Integer, nullable=False),
        sa.Column("kek_version", sa.Integer, nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroy_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroy_request", sa.String(128), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("subject_keys")
