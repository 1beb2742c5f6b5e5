"""The audit chain in SQL: serialised appends inside the caller's transaction, checkpoints, verify."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, func, insert, select, text

from cdp.consent.adapters.consent_orm import audit_checkpoints, audit_entries
from cdp.consent.domain.audit import (
    GENESIS,
    AuditEntry,
    ChainVerifier,
    Checkpoint,
    NewAuditEntry,
    Verification,
    chain_hash,
    check_entry,
    entry_body,
    invalid_signatures,
    parse_entry,
    sign_checkpoint,
)
from cdp.db import is_sqlite

# The PostgreSQL advisory lock every audit append holds (SQLite serialises writers by itself).
# Callers open write_transaction(engine, AUDIT_LOCK) around the action and its entry.
AUDIT_LOCK = 0x4155_4449
DEFAULT_CHECKPOINT_EVERY = 100
_VERIFY_BATCH = 10_000


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuditWriter:
    """Appends entries and signs checkpoints; holds no connection, so one instance serves all RPCs."""

    def __init__(
        self,
        signing_key: Ed25519PrivateKey,
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._key = signing_key
        self._every = checkpoint_every
        self._clock = clock

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def append(self, conn: Connection, entry: NewAuditEntry) -> AuditEntry:
        """Appends one entry in the caller's transaction (so it commits or rolls back with the action)."""
        check_entry(entry)
        _lock(conn)
        sequence, previous = _head(conn)
        sequence += 1
        moment = entry.time or self._clock()
        body = entry_body(sequence, moment, entry)
        digest = chain_hash(previous, body)
        conn.execute(
            insert(audit_entries).values(
                sequence=sequence, body=body.decode(), entry_hash=digest.hex()
            )
        )
        if sequence % self._every == 0:
            self._write_checkpoint(conn, sequence, digest)
        return parse_entry(body, digest)

    def checkpoint(self, conn: Connection) -> Checkpoint | None:
        """Signs the current head now (on demand); None while the log is empty."""
        _lock(conn)
        sequence, digest = _head(conn)
        if sequence == 0:
            return None
        existing = conn.execute(
            select(audit_checkpoints).where(audit_checkpoints.c.sequence == sequence)
        ).first()
        if existing is not None:
            return _to_checkpoint(existing)
        return self._write_checkpoint(conn, sequence, digest)

    def _write_checkpoint(self, conn: Connection, sequence: int, digest: bytes) -> Checkpoint:
        checkpoint = sign_checkpoint(self._key, sequence, digest, self._clock())
        conn.execute(
            insert(audit_checkpoints).values(
                sequence=checkpoint.sequence,
                entry_hash=checkpoint.entry_hash.hex(),
                time=checkpoint.time,
                signature=checkpoint.signature,
            )
        )
        return checkpoint


def verify_chain(conn: Connection, public_key: Ed25519PublicKey) -> Verification:
    """Recomputes the whole chain and checks every checkpoint's signature (in a second thread:
    the signature library releases the GIL). Checkpoints are read first, so a concurrent append
    can only add entries beyond them."""
    checkpoints = [
        _to_checkpoint(row)
        for row in conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.sequence))
    ]
    verifier = ChainVerifier(checkpoints)
    with ThreadPoolExecutor(max_workers=1) as pool:
        signatures = pool.submit(invalid_signatures, checkpoints, public_key)
        after = 0
        while True:
            rows = conn.execute(
                select(audit_entries.c.sequence, audit_entries.c.body, audit_entries.c.entry_hash)
                .where(audit_entries.c.sequence > after)
                .order_by(audit_entries.c.sequence)
                .limit(_VERIFY_BATCH)
            ).all()
            verifier.feed(rows)
            if len(rows) < _VERIFY_BATCH:
                return verifier.finish(signatures.result())
            after = rows[-1][0]


def read_entries(conn: Connection, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
    rows = conn.execute(
        select(audit_entries.c.body, audit_entries.c.entry_hash)
        .where(audit_entries.c.sequence > after)
        .order_by(audit_entries.c.sequence)
        .limit(limit)
    )
    return [parse_entry(body.encode(), bytes.fromhex(entry_hash)) for body, entry_hash in rows]


def count_entries(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(audit_entries)).scalar_one()


def _lock(conn: Connection) -> None:
    # Re-entrant within a transaction: harmless when the caller's write_transaction already holds it.
    if not is_sqlite(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})


def _head(conn: Connection) -> tuple[int, bytes]:
    row = conn.execute(
        select(audit_entries.c.sequence, audit_entries.c.entry_hash)
        .order_by(audit_entries.c.sequence.desc())
        .limit(1)
    ).first()
    if row is None:
        return 0, GENESIS
    return row.sequence, bytes.fromhex(row.entry_hash)


def _to_checkpoint(row) -> Checkpoint:
    return Checkpoint(row.sequence, _unhex(row.entry_hash), row.time, bytes(row.signature))


def _unhex(value: str) -> bytes:
    # A damaged hash must fail verification, not crash it.
    try:
        return bytes.fromhex(value)
    except ValueError:
        return b""
