"""Suppression and restriction rows in the caller's transaction, and the suppression set's loader."""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from cdp.db import is_sqlite, truncate_wal
from cdp.ingestion.adapters.orm import event_log, restrictions, suppressions
from cdp.ingestion.domain.suppression import SuppressionList

log = logging.getLogger("cdp.ingestion.privacy")
_CHUNK = 500


class SqlSubjects:
    """Suppression entries (append-only, ordered by seq) and restriction rows, by digest."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = sqlite if is_sqlite(conn) else postgresql

    def suppressions_since(self, seq: int) -> list[tuple[int, bytes, int]]:
        rows = self._conn.execute(
            select(suppressions.c.seq, suppressions.c.digest, suppressions.c.log_seq)
            .where(suppressions.c.seq > seq)
            .order_by(suppressions.c.seq)
        )
        return [(row_seq, bytes(digest), log_seq) for row_seq, digest, log_seq in rows]

    def suppress(self, digests: Collection[bytes]) -> int:
        """Adds the entries not yet present; returns how many were new."""
        if not digests:
            return 0
        horizon = self._conn.execute(select(func.coalesce(func.max(event_log.c.seq), 0))).scalar()
        statement = (
            self._dialect.insert(suppressions)
            .on_conflict_do_nothing(index_elements=["digest"])
            .returning(suppressions.c.seq)
        )
        rows = [{"digest": digest, "log_seq": horizon} for digest in sorted(digests)]
        return len(self._conn.execute(statement, rows).scalars().all())

    def restrict(self, digests: Collection[bytes], now_ns: int) -> int:
        """Records restriction rows not yet present; returns how many were new."""
        if not digests:
            return 0
        statement = (
            self._dialect.insert(restrictions)
            .on_conflict_do_nothing(index_elements=["digest"])
            .returning(restrictions.c.digest)
        )
        rows = [{"digest": digest, "restricted_ns": now_ns} for digest in sorted(digests)]
        return len(self._conn.execute(statement, rows).scalars().all())

    def lift(self, digests: Collection[bytes]) -> int:
        """Deletes restriction rows; returns how many there were."""
        ordered = sorted(digests)
        removed = 0
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            result = self._conn.execute(
                delete(restrictions).where(restrictions.c.digest.in_(chunk))
            )
            removed += result.rowcount
        return removed


class SuppressionLoader:
    """Catches the in-memory suppression set up with the database (at start, after a fence)."""

    def __init__(self, engine: Engine, suppression: SuppressionList) -> None:
        self._engine = engine
        self._suppression = suppression

    def refresh(self) -> None:
        with self._engine.connect() as conn:
            rows = SqlSubjects(conn).suppressions_since(self._suppression.seq)
        self._suppression.extend(rows)


def checkpoint(engine: Engine) -> None:
    """SQLite: empties the WAL so old versions of rewritten or deleted pages leave the disk."""
    if not truncate_wal(engine):
        log.warning("a reader blocked the WAL checkpoint after an erasure; the next one clears it")
