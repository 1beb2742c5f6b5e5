"""Units of work: a write holds the graph lock for the whole transaction; a read takes no lock."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, Engine

from cdp.db import is_sqlite, write_transaction
from cdp.identity.adapters.privacy_repository import SqlAlchemyPrivacyRepository
from cdp.identity.adapters.repository import IdentifierVault, SqlAlchemyGraphRepository
from cdp.identity.domain.commands import PlainSet
from cdp.identity.domain.graph import WorkingGraph
from cdp.identity.domain.model import ExplainedRecord, Identity, ProfileChange, Sighting
from cdp.identity.domain.subject import SubjectExport
from cdp.pii.subjects import Subject

# Every graph write takes this lock (PostgreSQL advisory lock; SQLite's BEGIN IMMEDIATE already
# serialises writers), so concurrent batches naming one person can never create two profiles.
GRAPH_LOCK = 0x1D_E7_17_00


class GraphRepository(Protocol):
    appended: bool

    def processed(self, keys: Collection[tuple[str, str]]) -> set[tuple[str, str]]: ...

    def mark_processed(self, keys: Iterable[tuple[str, str]]) -> None: ...

    def working_graph(self, blind_indexes: Collection[bytes], now: datetime) -> WorkingGraph: ...

    def save(self, graph: WorkingGraph) -> list[int | None]: ...

    def append_changes(self, changes: Sequence[ProfileChange]) -> None: ...

    def suppressed(
        self, blind_indexes: Collection[bytes], subject_ids: Collection[str]
    ) -> tuple[set[bytes], set[str]]: ...

    def restricted(self, profile_id: str) -> bool: ...

    def profile_for(self, id_type: str, blind_index: bytes) -> str | None: ...

    def live_profile(self, profile_id: str) -> str | None: ...

    def identities(self, profile_id: str) -> list[Identity]: ...

    def explain(self, profile_id: str) -> list[ExplainedRecord]: ...

    def explained_record(self, sequence: int) -> ExplainedRecord | None: ...

    def split_request(self, request_id: str) -> tuple[str, int] | None: ...

    def remember_split(self, request_id: str, new_profile: str, sequence: int) -> None: ...


class PrivacyRepository(Protocol):
    def resolve(
        self, wanted: Collection[tuple[str, bytes]], profile_ids: Collection[str]
    ) -> Subject: ...

    def suppress(self, subject: Subject, now: datetime) -> tuple[Subject, int]: ...

    def erase(self, subject: Subject, now: datetime) -> tuple[Subject, dict[str, int]]: ...

    def export(self, subject: Subject) -> SubjectExport: ...

    def restrict(self, subject: Subject, restricted: bool, now: datetime) -> int: ...


class Identifiers(Protocol):
    """The vault boundary as the use cases see it."""

    def index(self, id_type: str, normalized: str) -> bytes: ...

    def subject_id(self, blind_index: bytes) -> str: ...

    def forget(self, subject_ids: Collection[str], blind_indexes: Collection[bytes]) -> None: ...

    def erased(self, subject_ids: Iterable[str], create: bool = False) -> set[str]: ...

    def mark_blocked(self, sightings: Sequence[Sighting]) -> list[Sighting]: ...

    def seal_sets(self, sets: Sequence[PlainSet]) -> list[tuple[Sighting | None, list[str]]]: ...


class AbstractUnitOfWork(Protocol):
    identifiers: Identifiers

    def write(self) -> contextlib.AbstractContextManager[GraphRepository]: ...

    def read(self) -> contextlib.AbstractContextManager[GraphRepository]: ...

    def privacy(
        self, write: bool = False
    ) -> contextlib.AbstractContextManager[PrivacyRepository]: ...

    def compact(self) -> None: ...


class SqlAlchemyUnitOfWork:
    """One per RPC (the gRPC thread pool runs RPCs concurrently)."""

    def __init__(
        self,
        engine: Engine,
        identifiers: IdentifierVault,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self.identifiers = identifiers
        self._on_outbox = on_outbox

    @contextlib.contextmanager
    def write(self) -> Iterator[SqlAlchemyGraphRepository]:
        """Commits when the block ends cleanly, rolls back on any exception."""
        with write_transaction(self._engine, lock_key=GRAPH_LOCK) as conn:
            repository = SqlAlchemyGraphRepository(conn, self.identifiers)
            yield repository
        if repository.appended:
            self._on_outbox()

    @contextlib.contextmanager
    def read(self) -> Iterator[SqlAlchemyGraphRepository]:
        with self._engine.connect() as conn:
            yield SqlAlchemyGraphRepository(conn, self.identifiers)

    @contextlib.contextmanager
    def privacy(self, write: bool = False) -> Iterator[SqlAlchemyPrivacyRepository]:
        """A write holds the graph lock (so a fence and a batch are ordered); a read is one snapshot."""
        transaction = (
            write_transaction(self._engine, lock_key=GRAPH_LOCK) if write else self._snapshot()
        )
        with transaction as conn:
            yield SqlAlchemyPrivacyRepository(conn, self.identifiers)

    def compact(self) -> None:
        """Moves committed pages out of SQLite's WAL and truncates it, so deleted rows leave the disk."""
        if not is_sqlite(self._engine):
            return
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.fetchall()
            cursor.close()
        finally:
            raw.close()

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            if not is_sqlite(conn):
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
