"""Data-key versions: usage counted per key; rotated keys kept to open older ciphertexts.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subject_keys") as batch:
        batch.add_column(
            sa.Column("encryptions", sa.BigInteger, nullable=False, server_default="0")
        )
    op.create_table(
        "subject_key_versions",
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("key_version", sa.Integer, primary_key=True),
        sa.Column("kek_version", sa.Integer, nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("retire_time", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subject_key_versions")
    with op.batch_alter_table("subject_keys") as batch:
        batch.drop_column("encryptions")
