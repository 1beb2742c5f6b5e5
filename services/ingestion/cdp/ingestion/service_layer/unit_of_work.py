"""Units of work: one write transaction per batch, committed before the batch is answered."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from cdp.db import write_transaction
from cdp.errors import Unavailable
from cdp.ingestion.adapters.repository import SqlEventLog
from cdp.ingestion.adapters.subject_events import Erased, SqlSubjectEvents
from cdp.ingestion.adapters.subjects import SqlSubjects
from cdp.ingestion.domain.model import SealedEvent
from cdp.ingestion.domain.subjects import Subject

# Serialises ingestion writers on PostgreSQL so log entries commit in sequence order: the relay
# reads past its cursor, and an entry committed late under a lower sequence would be skipped.
LOG_LOCK_KEY = 0x494E_4745


class DatabaseUnavailable(Unavailable):
    """The store did not take the batch; nothing was acknowledged, so a retry is safe (dedup)."""

    def __init__(self) -> None:
        super().__init__("DATABASE_UNAVAILABLE", "the event log is unavailable; retry the batch")


class EventLog(Protocol):
    def claim(self, source: str, ids: Sequence[str], receive_ns: int) -> set[str]: ...

    def append(self, events: Sequence[SealedEvent]) -> int: ...


class Subjects(Protocol):
    def suppressions_since(self, seq: int) -> list[tuple[int, bytes, int]]: ...

    def suppress(self, digests: Collection[bytes]) -> int: ...

    def restrict(self, digests: Collection[bytes], now_ns: int) -> int: ...

    def lift(self, digests: Collection[bytes]) -> int: ...


class SubjectEvents(Protocol):
    def read(self, subject: Subject) -> list[SealedEvent]: ...

    def erase(self, subject: Subject) -> Erased: ...


class AbstractUnitOfWork(Protocol):
    """Commits when the block ends cleanly, rolls back when it raises."""

    events: EventLog
    subjects: Subjects
    subject_events: SubjectEvents

    def __enter__(self) -> AbstractUnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: object
    ) -> None: ...


class SqlAlchemyUnitOfWork:
    """A write transaction holding the log's write lock, or (write=False) a plain read."""

    def __init__(
        self, engine: Engine, on_commit: Callable[[], None] | None = None, write: bool = True
    ) -> None:
        self._engine = engine
        self._on_commit = on_commit
        self._write = write
        self._transaction: AbstractContextManager[Connection] | None = None
        self.events: EventLog
        self.subjects: Subjects
        self.subject_events: SubjectEvents

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        if self._write:
            transaction = write_transaction(self._engine, lock_key=LOG_LOCK_KEY)
        else:
            transaction = _read_transaction(self._engine)
        try:
            conn = transaction.__enter__()
        except OperationalError as err:
            raise DatabaseUnavailable() from err
        self.events = SqlEventLog(conn)
        self.subjects = SqlSubjects(conn)
        self.subject_events = SqlSubjectEvents(conn)
        self._transaction = transaction
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: object
    ) -> None:
        transaction, self._transaction = self._transaction, None
        try:
            transaction.__exit__(exc_type, exc, traceback)  # COMMIT, or ROLLBACK on an exception
        except OperationalError as err:
            raise DatabaseUnavailable() from err
        if isinstance(exc, OperationalError):
            raise DatabaseUnavailable() from exc
        if exc_type is None and self._on_commit is not None:
            self._on_commit()


@contextlib.contextmanager
def _read_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn
