"""The one Alembic env.py body every service's migrations/env.py calls (no copies of boilerplate)."""

from __future__ import annotations

from alembic import context


def run() -> None:
    config = context.config
    engine = config.attributes["connection_engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            version_table=config.attributes.get("version_table", "alembic_version"),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
