"""Audit chain use cases: verification (PrivacyService.VerifyAuditChain) and on-demand checkpoints."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine

from cdp.consent.adapters.audit_repository import AUDIT_LOCK, AuditWriter, verify_chain
from cdp.consent.domain.audit import Checkpoint, Verification
from cdp.db import write_transaction


def verify_audit_chain(engine: Engine, public_key: Ed25519PublicKey) -> Verification:
    """(valid, entry_count, first_bad_sequence, problem) over the whole chain and its checkpoints."""
    with engine.connect() as conn:
        return verify_chain(conn, public_key)


def checkpoint_audit_chain(engine: Engine, audit: AuditWriter) -> Checkpoint | None:
    """Signs the current head now, e.g. on shutdown, so a truncated tail is detectable."""
    with write_transaction(engine, AUDIT_LOCK) as conn:
        return audit.checkpoint(conn)
