"""Data-subject requests, tasks, receipts, suppression, restrictions; key tombstones by HMAC.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsr_requests",
        sa.Column("request_id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("subject_json", sa.Text, nullable=False),
        sa.Column("receive_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("complete_time", sa.DateTime(timezone=True)),
        sa.Column("extended", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("export_subject", sa.String(64)),
        sa.Column("export_ct", sa.LargeBinary),
    )
    op.create_index("dsr_requests_by_time", "dsr_requests", ["receive_time"])
    op.create_table(
        "dsr_tasks",
        sa.Column("request_id", sa.String(36), sa.ForeignKey("dsr_requests.request_id"), primary_key=True),
        sa.Column("service", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("counts_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(512), nullable=False, server_default=""),
        sa.Column("next_attempt", sa.DateTime(timezone=True)),
        sa.Column("complete_time", sa.DateTime(timezone=True)),
        sa.Column("result_ct", sa.LargeBinary),
    )
    op.create_table(
        "dsr_receipts",
        sa.Column("request_id", sa.String(36), sa.ForeignKey("dsr_requests.request_id"), primary_key=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
    )
    for name in ("suppression", "restrictions"):
        op.create_table(
            name,
            sa.Column("entry", sa.LargeBinary(32), primary_key=True),
            sa.Column("request_id", sa.String(36), nullable=False),
            sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        )


def downgrade() -> None:
    for name in ("restrictions", "suppression", "dsr_receipts", "dsr_tasks", "dsr_requests"):
        op.drop_table(name)
