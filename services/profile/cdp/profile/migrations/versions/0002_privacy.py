"""Data-subject requests: the suppression set, restrictions, and subject_id indexes for erasure.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One-way digests of fenced subject ids, blind indexes and profiles: they keep the person out
    # after erasure without the raw values staying anywhere in the database.
    op.create_table(
        "profile_suppressions",
        sa.Column("digest", sa.LargeBinary, primary_key=True),
    )
    op.create_table(
        "profile_restrictions",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(128), primary_key=True),
    )
    # Erasure deletes a subject's rows on any profile; restricted reads seek (subject, profile).
    op.create_index("ix_profile_events_subject", "profile_events", ["subject_id", "profile_id"])
    op.create_index("ix_profile_traits_subject", "profile_traits", ["subject_id"])


def downgrade() -> None:
    op.drop_index("ix_profile_traits_subject", "profile_traits")
    op.drop_index("ix_profile_events_subject", "profile_events")
    op.drop_table("profile_restrictions")
    op.drop_table("profile_suppressions")
