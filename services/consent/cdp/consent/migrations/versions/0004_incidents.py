"""Personal-data breach incidents (R26): no personal data by construction, so stored as JSON.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.String(36), primary_key=True),
        sa.Column("request_id", sa.String(36), nullable=False, unique=True),
        sa.Column("incident_json", sa.Text, nullable=False),
        sa.Column("discover_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notify_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("incidents_by_record_time", "incidents", ["record_time"])


def downgrade() -> None:
    op.drop_index("incidents_by_record_time", table_name="incidents")
    op.drop_table("incidents")
