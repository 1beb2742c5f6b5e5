"""Alembic entry point for the ingestion service."""

from cdp.db.alembic_env import run

run()
