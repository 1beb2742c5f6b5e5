"""Consent ledger (append-only) with notice texts by hash, and the audit hash chain.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# (table, operation): what the database itself refuses, so "append-only" does not rest on code alone.
# Consent records may still be deleted: erasure decides about them, the ledger never rewrites them.
_REFUSED = (
    ("consent_records", "UPDATE"),
    ("consent_notices", "UPDATE"),
    ("consent_notices", "DELETE"),
    ("audit_entries", "UPDATE"),
    ("audit_entries", "DELETE"),
    ("audit_checkpoints", "UPDATE"),
    ("audit_checkpoints", "DELETE"),
)

_NO_TRUNCATE = ("consent_notices", "audit_entries", "audit_checkpoints")


def upgrade() -> None:
    _create_consent_tables()
    _create_audit_tables()
    _create_guards()


def _create_consent_tables() -> None:
    op.create_table(
        "consent_notices",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("create_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "consent_records",
        sa.Column("sequence", _SEQUENCE, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(32), nullable=False, unique=True),
        sa.Column("request_id", sa.String(128), nullable=True, unique=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notice_id", sa.String(128), nullable=False),
        sa.Column(
            "notice_sha256",
            sa.String(64),
            sa.ForeignKey("consent_notices.sha256"),
            nullable=False,
        ),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("evidence_ref", sa.String(256), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("valid_from_us", sa.BigInteger, nullable=False),
        sa.Column("expire_us", sa.BigInteger, nullable=True),
        sa.Column("record_us", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
    )
    op.create_index(
        "ix_consent_records_subject_purpose",
        "consent_records",
        ["subject_id", "purpose", "valid_from_us"],
    )
    op.create_index(
        "ix_consent_records_subject_sequence", "consent_records", ["subject_id", "sequence"]
    )


def _create_audit_tables() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
    )


def _create_guards() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.execute(
            "CREATE FUNCTION cdp_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% on % is not allowed (append-only)', TG_OP, TG_TABLE_NAME; "
            "END $$"
        )
    for table, operation in _REFUSED:
        name = f"{table}_no_{operation.lower()}"
        if sqlite:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{operation} on {table} is not allowed'); END"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION cdp_refuse_change()"
            )
    if not sqlite:
        # TRUNCATE bypasses row triggers on PostgreSQL.
        for table in _NO_TRUNCATE:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION cdp_refuse_change()"
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, operation in _REFUSED:
        name = f"{table}_no_{operation.lower()}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
    if not sqlite:
        for table in _NO_TRUNCATE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cdp_refuse_change()")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_entries")
    op.drop_index("ix_consent_records_subject_sequence", "consent_records")
    op.drop_index("ix_consent_records_subject_purpose", "consent_records")
    op.drop_table("consent_records")
    op.drop_table("consent_notices")
