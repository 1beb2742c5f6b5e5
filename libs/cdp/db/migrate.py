"""Alembic migrations per service, run programmatically at start-up (and by the k8s migration Job)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from cdp.db.engine import truncate_wal


def upgrade(engine: Engine, script_location: Path, version_table: str = "alembic_version") -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection_engine"] = engine
    config.attributes["version_table"] = version_table
    command.upgrade(config, "head")
    # Start-up is also when a crash between an erasure's commit and its WAL truncation is mended.
    truncate_wal(engine)
