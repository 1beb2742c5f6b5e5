"""Engine construction; one engine per service process, created by its composition root."""

from __future__ import annotations

import contextlib
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
def write_transaction(engine: Engine, lock_key: int | None = None) -> Iterator[Connection]:
    """A transaction that takes the write lock up front.

    SQLite: BEGIN IMMEDIATE (a deferred transaction that later writes can fail with SQLITE_BUSY,
    which busy_timeout cannot fix). PostgreSQL: an optional advisory lock serialises writers that
    must see each other's results (identity merges), across replicas too.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if lock_key is not None and not is_sqlite(conn):
                conn.execute(text(_PG_WRITE_LOCK), {"key": lock_key})
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
