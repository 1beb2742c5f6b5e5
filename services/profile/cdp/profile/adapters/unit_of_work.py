"""The SQLAlchemy unit of work: one connection and one transaction per use case."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Self

from sqlalchemy import Engine

from cdp.db import is_sqlite, write_transaction
from cdp.pii import Vault
from cdp.profile.adapters.computed import SqlAlchemyComputedTraitRepository
from cdp.profile.adapters.feed import SqlAlchemyProfileFeed
from cdp.profile.adapters.profiles import SqlAlchemyProfileRepository, SqlAlchemyProgress
from cdp.profile.adapters.repository import (
    Sealer,
    SqlAlchemyEventRepository,
    SqlAlchemyTraitRepository,
)
from cdp.profile.adapters.subjects import SqlAlchemySubjectRepository
from cdp.profile.adapters.suppressions import (
    SqlAlchemyRestrictionRepository,
    SqlAlchemySuppressionRepository,
)
from cdp.profile.service_layer.unit_of_work import AbstractUnitOfWork

# Serialises writers across replicas on PostgreSQL (the applied-sequence watermark is shared).
APPLY_LOCK = 0x70726F66


class _Discard(Exception):
    """Leaves the transaction without committing."""


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Writers take the write lock up front (BEGIN IMMEDIATE / advisory lock); readers do not."""

    def __init__(
        self,
        engine: Engine,
        vault: Vault,
        write: bool = False,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._sealer = Sealer(vault)
        self._write = write
        self._on_outbox = on_outbox  # wakes the relay once an outbox entry is committed
        self._stack = contextlib.ExitStack()
        self._committed = False

    def __enter__(self) -> Self:
        self._committed = False
        if self._write:
            conn = self._stack.enter_context(write_transaction(self._engine, APPLY_LOCK))
        else:
            conn = self._stack.enter_context(self._engine.connect())
            self._stack.enter_context(conn.begin())
        self.profiles = SqlAlchemyProfileRepository(conn)
        self.progress = SqlAlchemyProgress(conn)
        self.events = SqlAlchemyEventRepository(conn, self._sealer)
        self.traits = SqlAlchemyTraitRepository(conn, self._sealer)
        self.suppressions = SqlAlchemySuppressionRepository(conn)
        self.restrictions = SqlAlchemyRestrictionRepository(conn)
        self.subjects = SqlAlchemySubjectRepository(conn, self._sealer)
        self.computed = SqlAlchemyComputedTraitRepository(conn)
        self.feed = self._feed = SqlAlchemyProfileFeed(conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: object
    ) -> None:
        if exc_type is None and not self._committed:
            exc_type, exc = _Discard, _Discard()
        with contextlib.suppress(_Discard):
            self._stack.__exit__(exc_type, exc, traceback)
        if exc_type is None and self._feed.appended:
            self._on_outbox()

    def commit(self) -> None:
        """Writes the feed's entry now; the transaction commits when the `with` block ends normally."""
        self._feed.flush()
        self._committed = True

    def rollback(self) -> None:
        self._committed = False

    def reclaim(self) -> None:
        """SQLite: checkpoints the WAL into the database and truncates it, so the frames that
        still held deleted rows leave the disk (secure_delete already zeroed the pages)."""
        if not is_sqlite(self._engine):
            return
        # The raw connection is in autocommit mode: a checkpoint cannot run inside a transaction.
        raw = self._engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            raw.close()
