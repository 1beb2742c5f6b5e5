"""Alembic entry point for the identity service."""

from cdp.db.alembic_env import run

run()
