"""The segmentation read model on a real database (SQLite file and PostgreSQL), filled from a World."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select

from cdp.db import make_engine
from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.compiler import Scope, aggregate_values, matches
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.typed import Kind, typed_columns
from tests.support.reference_eval import PERSONAL, World

_FILLED = (orm.profiles, orm.traits, orm.events, orm.consent, orm.blocked, orm.members)


class ReadModel:
    """Loads a World into the seg_* tables and asks the compiled SQL who matches."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, world: World) -> None:
        with self.engine.begin() as conn:
            for table in _FILLED:
                conn.execute(delete(table))
            for table, rows in _rows(world).items():
                if rows:
                    conn.execute(insert(table), rows)

    def members(self, node: ast.Node, scope: Scope) -> set[str]:
        query = select(orm.profiles.c.id).where(matches(node, scope))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def values(
        self, aggregate: ast.Aggregate, scope: Scope, kind: Kind = Kind.NUMBER
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = conn.execute(aggregate_values(aggregate, scope, kind)).all()
        return {profile: value for profile, value in rows}


@pytest.fixture(scope="module")
def read_model(module_database_url: str) -> Iterator[ReadModel]:
    """One database per module and backend; every test loads its own World over it."""
    engine = make_engine(module_database_url)
    orm.metadata.create_all(engine)
    yield ReadModel(engine)
    engine.dispose()


def _rows(world: World) -> dict[Any, list[dict[str, Any]]]:
    return {
        orm.profiles: [{"id": profile} for profile in world.profiles],
        orm.traits: [
            _trait(profile, key, value)
            for profile, traits in world.traits.items()
            for key, value in traits.items()
        ],
        orm.events: [_event(index + 1, event) for index, event in enumerate(world.events)],
        orm.consent: [
            {"profile_id": profile, "purpose": purpose, "granted": granted, "checked_at": 0}
            for (profile, purpose), granted in world.consent.items()
        ],
        orm.blocked: [{"profile_id": p, "kind": kind} for p, kind in world.blocked.items()],
        orm.members: [
            {"segment_id": segment, "profile_id": profile, "excluded": excluded}
            for (segment, profile), excluded in world.members.items()
        ],
    }


def _trait(profile: str, key: str, value: Any) -> dict[str, Any]:
    personal = value is PERSONAL
    columns = typed_columns(None) if personal else typed_columns(value)
    if personal:
        columns["value_json"] = None
    return {"profile_id": profile, "key": key, "personal": personal, "subject_id": "s", **columns}


def _event(event_id: int, event: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "profile_id": event.profile,
        "subject_id": "s",
        "source": "test",
        "message_id": f"m-{event_id}",
        "type": 1,
        "name": event.name,
        "time": event.time,
        "properties": dict(event.properties),
    }
