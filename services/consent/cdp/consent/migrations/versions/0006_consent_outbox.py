"""The consent outbox: subjects whose consent, restriction or erasure state changed, for segmentation.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sqlite_autoincrement=True,  # a pruned tail must never have its sequence numbers reused
    )
    op.create_table(
        "consent_outbox_cursor",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consent_outbox_cursor")
    op.drop_table("consent_outbox")
