"""Data-subject requests: the suppression set and restrictions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.LargeBinary(32), nullable=False),
        sa.Column("log_seq", sa.Integer, nullable=False),
        sa.UniqueConstraint("digest", name="uq_suppressions_digest"),
        sqlite_autoincrement=True,  # a catching-up reader must never see a sequence number twice
    )
    op.create_table(
        "restrictions",
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
        sa.Column("restricted_ns", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("restrictions")
    op.drop_table("suppressions")
