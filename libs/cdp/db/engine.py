"""Engine construction; one engine per service process, created by its composition root."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import StaticPool

# The lock that serialises writers on PostgreSQL when a service asks for it (SQLite already does).
_PG_WRITE_LOCK = "SELECT pg_advisory_xact_lock(:key)"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


@contextlib.contextmanager
def write_transaction(
    engine: Engine, lock_key: int | tuple[int, ...] | None = None
) -> Iterator[Connection]:
    """A transaction that takes the write lock up front.

    SQLite: BEGIN IMMEDIATE (a deferred transaction that later writes can fail with SQLITE_BUSY,
    which busy_timeout cannot fix). PostgreSQL: an optional advisory lock serialises writers that
    must see each other's results (identity merges), across replicas too.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            keys = (
                () if lock_key is None else lock_key if isinstance(lock_key, tuple) else (lock_key,)
            )
            if not is_sqlite(conn):
                for key in keys:  # in the order given: callers agree on one order, so no deadlock
                    conn.execute(text(_PG_WRITE_LOCK), {"key": key})
            yield conn


def _sqlite_engine(url: str) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    options: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        options["poolclass"] = StaticPool  # every thread must see the same in-memory database
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_conn, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before we acknowledge
    cursor.execute(
        "PRAGMA secure_delete=ON"
    )  # deleted personal data is overwritten, not left in free pages
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_sqlite(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def truncate_wal(engine: Engine) -> bool:
    """After erasing: old page images of deleted rows must not linger in SQLite's WAL file.

    secure_delete zeroes the database pages, but the WAL keeps earlier versions of them until a
    checkpoint; TRUNCATE copies everything back and empties the file. PostgreSQL has no such file
    that outlives the transaction in a readable form we control (its own WAL recycles on its own).
    """
    if engine.dialect.name != "sqlite":
        return True
    for attempt in range(50):  # a reader holding an old snapshot blocks it; they finish quickly
        raw = engine.raw_connection()
        try:
            busy = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            raw.close()
        if not busy:
            return True
        time.sleep(0.02 * (attempt + 1))
    return False
