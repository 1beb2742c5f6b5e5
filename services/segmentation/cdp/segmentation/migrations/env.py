"""Alembic environment of the segmentation service (the shared body lives in cdp.db.alembic_env)."""

from cdp.db.alembic_env import run

run()
