"""Tables of data-subject requests, their tasks, receipts, suppression and key tombstones."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from cdp.consent.adapters.orm import metadata

# A request; `subject_json` names the person (subject ids, blind indexes, profiles) only while the
# request runs: it is scrubbed to a digest when an erasure completes.
dsr_requests = Table(
    "dsr_requests",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("jurisdiction", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("subject_json", Text, nullable=False),
    Column("receive_time", DateTime(timezone=True), nullable=False),
    Column("due_time", DateTime(timezone=True), nullable=False),
    Column("complete_time", DateTime(timezone=True)),
    Column("extended", Boolean, nullable=False, default=False),
    Column("export_subject", String(64)),
    Column("export_ct", LargeBinary),
)

dsr_tasks = Table(
    "dsr_tasks",
    metadata,
    Column("request_id", String(36), ForeignKey("dsr_requests.request_id"), primary_key=True),
    Column("service", String(32), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("counts_json", Text, nullable=False, default="{}"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(512), nullable=False, default=""),
    Column("next_attempt", DateTime(timezone=True)),
    Column("complete_time", DateTime(timezone=True)),
    # An export task's share of the document, sealed under the request's export subject.
    Column("result_ct", LargeBinary),
)

dsr_receipts = Table(
    "dsr_receipts",
    metadata,
    Column("request_id", String(36), ForeignKey("dsr_requests.request_id"), primary_key=True),
    Column("payload", LargeBinary, nullable=False),
    Column("signature", LargeBinary, nullable=False),
)

# HMACs (Suppressor) of every blind index and subject id of erased people: nothing of theirs gets in.
suppression = Table(
    "suppression",
    metadata,
    Column("entry", LargeBinary(32), primary_key=True),
    Column("request_id", String(36), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
)

# Restricted subjects (by Suppressor entry of their subject ids): CheckConsent says no for them.
restrictions = Table(
    "restrictions",
    metadata,
    Column("entry", LargeBinary(32), primary_key=True),
    Column("request_id", String(36), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
)
