"""Alembic entry point for the consent service."""

from cdp.db.alembic_env import run

run()
