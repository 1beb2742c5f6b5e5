"""Computed trait values: recomputed in SQL for a scope, diffed against what profile was sent.

Only changed values go into the outbox (one entry per refresh), so profile shows each person's
current values and a sliding window that empties a value removes it there too.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping

from google.protobuf import struct_pb2
from google.protobuf.json_format import ParseDict
from sqlalchemy import Connection, delete, insert, select

from cdp.api.profile.v1 import profile_pb2, profile_service_pb2
from cdp.db import outbox
from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.compiler import Scope, aggregate_values
from cdp.segmentation.domain.conditions import ast

v = orm.computed_values


def refresh(conn: Connection, traits: Mapping[str, ast.Aggregate], scope: Scope) -> int:
    """Recomputes these traits over the scope; queues changes for profile; returns how many."""
    pending: list[profile_service_pb2.ComputedTraitValue] = []
    for key, aggregate in traits.items():
        pending.extend(_refresh_one(conn, key, aggregate, scope))
    if pending:
        request = profile_service_pb2.ApplyComputedTraitsRequest(values=pending)
        outbox.append(conn, orm.outbox, request.SerializeToString(), len(pending))
    return len(pending)


def values_of(conn: Connection, profile_ids: list[str]) -> dict[str, dict[str, object]]:
    rows = conn.execute(select(v).where(v.c.profile_id.in_(profile_ids)))
    found: dict[str, dict[str, object]] = {}
    for row in rows.mappings():
        found.setdefault(row["profile_id"], {})[row["key"]] = json.loads(row["value_json"])
    return found


def _refresh_one(
    conn: Connection, key: str, aggregate: ast.Aggregate, scope: Scope
) -> list[profile_service_pb2.ComputedTraitValue]:
    fresh = {pid: value for pid, value in conn.execute(aggregate_values(aggregate, scope))}
    if aggregate.function in ast.ZERO_WHEN_EMPTY:
        for pid in _profiles(conn, scope):
            fresh.setdefault(pid, 0)
    fresh = {pid: _plain(value) for pid, value in fresh.items() if value is not None}
    stored = _stored(conn, key, scope)
    changed = {pid: value for pid, value in fresh.items() if stored.get(pid, _MISSING) != value}
    gone = [pid for pid in stored if pid not in fresh]
    _write(conn, key, changed, gone)
    return [_value(pid, key, changed[pid], scope.now) for pid in sorted(changed)] + [
        profile_service_pb2.ComputedTraitValue(profile=f"profiles/{pid}", key=key)
        for pid in sorted(gone)
    ]


_MISSING = object()


def _plain(value: object) -> object:
    """JSON-comparable: whole floats as ints (a count or sum of integers reads as an int)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _profiles(conn: Connection, scope: Scope) -> list[str]:
    query = select(orm.profiles.c.id)
    if scope.profile_ids is not None:
        query = query.where(orm.profiles.c.id.in_(list(scope.profile_ids)))
    return list(conn.execute(query).scalars())


def _stored(conn: Connection, key: str, scope: Scope) -> dict[str, object]:
    query = select(v.c.profile_id, v.c.value_json).where(v.c.key == key)
    if scope.profile_ids is not None:
        query = query.where(v.c.profile_id.in_(list(scope.profile_ids)))
    return {pid: json.loads(text) for pid, text in conn.execute(query)}


def _write(conn: Connection, key: str, changed: dict[str, object], gone: list[str]) -> None:
    stale = [*changed, *gone]
    for start in range(0, len(stale), 5000):
        chunk = stale[start : start + 5000]
        conn.execute(delete(v).where(v.c.key == key, v.c.profile_id.in_(chunk)))
    if changed:
        conn.execute(
            insert(v),
            [
                {"profile_id": pid, "key": key, "value_json": json.dumps(value)}
                for pid, value in changed.items()
            ],
        )


def _value(pid: str, key: str, value: object, now: int) -> profile_service_pb2.ComputedTraitValue:
    message = profile_pb2.ComputedTrait(key=key, value=ParseDict(value, struct_pb2.Value()))
    message.compute_time.FromMicroseconds(now)
    return profile_service_pb2.ComputedTraitValue(profile=f"profiles/{pid}", trait=message, key=key)


def forget(conn: Connection, key: str, chunk: int = 1000) -> int:
    """A deleted computed trait: queues its removal from every profile that has a value."""
    pids = list(conn.execute(select(v.c.profile_id).where(v.c.key == key)).scalars())
    for start in range(0, len(pids), chunk):
        removals = [
            profile_service_pb2.ComputedTraitValue(profile=f"profiles/{pid}", key=key)
            for pid in pids[start : start + chunk]
        ]
        request = profile_service_pb2.ApplyComputedTraitsRequest(values=removals)
        outbox.append(conn, orm.outbox, request.SerializeToString(), len(removals))
    conn.execute(delete(v).where(v.c.key == key))
    return len(pids)


def forget_profiles(conn: Connection, profile_ids: Collection[str]) -> int:
    """Erasure: values of these profiles still waiting in the outbox are removed from it."""
    names = {f"profiles/{pid}" for pid in profile_ids}

    def without(payload: bytes) -> outbox.Rewritten:
        request = profile_service_pb2.ApplyComputedTraitsRequest.FromString(payload)
        kept = [value for value in request.values if value.profile not in names]
        if not kept:
            return None
        trimmed = profile_service_pb2.ApplyComputedTraitsRequest(values=kept)
        return trimmed.SerializeToString(), len(kept)

    return outbox.rewrite(conn, orm.outbox, [n.encode() for n in names], without)
