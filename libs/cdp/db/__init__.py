"""Database plumbing: engines (SQLite WAL + secure_delete, PostgreSQL via psycopg 3) and migrations."""

from __future__ import annotations

from cdp.db.engine import is_sqlite, make_engine, truncate_wal, write_transaction
from cdp.db.migrate import upgrade

__all__ = ["is_sqlite", "make_engine", "truncate_wal", "upgrade", "write_transaction"]
