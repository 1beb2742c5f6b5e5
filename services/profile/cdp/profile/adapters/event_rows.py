"""Plain SQL on the timeline table: storing once, moving between profiles, summarising.

Rows arrive sealed already; nothing here opens or seals anything. Storing is the pipeline's hot
path: SQLAlchemy's per-row parameter processing doubles the insert time of a 2,000-event call, so
tuples go straight to the driver.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from cdp.db import is_sqlite
from cdp.profile.adapters.orm import events
from cdp.profile.domain.model import EventType, IncomingEvent, ProfileState

Key = tuple[str, str]
CHUNK = 500
_COLUMNS = (
    "profile_id",
    "source",
    "message_id",
    "type",
    "event_name",
    "event_time",
    "receive_time",
    "public_json",
    "pii_ct",
    "subject_id",
    "anchor",
)
_PG_TYPES = (
    "varchar",
    "varchar",
    "varchar",
    "smallint",
    "text",
    "bigint",
    "bigint",
    "bytea",
    "bytea",
    "varchar",
    "bytea",
)


def insert_new(conn: Connection, rows: Sequence[tuple[str, IncomingEvent]]) -> set[Key]:
    """Inserts the rows whose (source, message_id) is not stored yet; returns their keys."""
    if not rows:
        return set()
    if is_sqlite(conn):
        return _sqlite(conn, rows)
    return _postgresql(conn, rows)


def _sqlite(conn: Connection, rows: Sequence[tuple[str, IncomingEvent]]) -> set[Key]:
    # SQLite always answers an IN list from the unique index; one lookup per 500 ids is cheap.
    known: set[Key] = set()
    ids = sorted({event.message_id for _, event in rows})
    for start in range(0, len(ids), CHUNK):
        query = select(events.c.source, events.c.message_id).where(
            events.c.message_id.in_(ids[start : start + CHUNK])
        )
        known.update((row.source, row.message_id) for row in conn.execute(query))
    new = [(profile_id, event) for profile_id, event in rows if event.key not in known]
    if new:
        marks = ", ".join("?" * len(_COLUMNS))
        sql = f"INSERT INTO profile_events ({_names(conn)}) VALUES ({marks})"
        conn.exec_driver_sql(sql, [_row(profile_id, event) for profile_id, event in new])
    return {event.key for _, event in new}


def _postgresql(conn: Connection, rows: Sequence[tuple[str, IncomingEvent]]) -> set[Key]:
    # One statement: the unique index decides (a lookup first could seq-scan before ANALYZE).
    arrays = ", ".join(f"%s::{kind}[]" for kind in _PG_TYPES)
    sql = (
        f"INSERT INTO profile_events ({_names(conn)}) SELECT * FROM unnest({arrays}) "
        "ON CONFLICT (message_id, source) DO NOTHING RETURNING source, message_id"
    )
    columns = [list(values) for values in zip(*(_row(p, e) for p, e in rows), strict=True)]
    return {
        (source, message_id) for source, message_id in conn.exec_driver_sql(sql, tuple(columns))
    }


def move(conn: Connection, moves: Sequence[tuple[str, str]]) -> None:
    if moves:
        conn.execute(
            update(events)
            .where(events.c.profile_id == bindparam("b_old"))
            .values(profile_id=bindparam("b_new")),
            [{"b_old": old, "b_new": new} for old, new in moves],
        )


def move_anchored(conn: Connection, source: str, target: str, anchors: Sequence[bytes]) -> None:
    unique = sorted(set(anchors))
    for start in range(0, len(unique), CHUNK):
        conn.execute(
            update(events)
            .where(
                events.c.profile_id == source, events.c.anchor.in_(unique[start : start + CHUNK])
            )
            .values(profile_id=target)
        )


def summaries(conn: Connection, profile_ids: Sequence[str]) -> dict[str, ProfileState]:
    """Counts, first/last seen and groups recomputed from the stored events (after a split)."""
    query = (
        select(
            events.c.profile_id,
            func.count(),
            func.min(events.c.event_time),
            func.max(events.c.event_time),
        )
        .where(events.c.profile_id.in_(profile_ids))
        .group_by(events.c.profile_id)
    )
    found = {
        row[0]: ProfileState(row[0], None, row[1], row[2], row[3]) for row in conn.execute(query)
    }
    groups = (
        select(events.c.profile_id, events.c.public_json)
        .where(events.c.profile_id.in_(profile_ids), events.c.type == EventType.GROUP)
        .order_by(events.c.event_time, events.c.id)
    )
    for profile_id, public_json in conn.execute(groups):
        group_id = str(json.loads(public_json).get("group_id") or "")
        if group_id and group_id not in found[profile_id].groups:
            found[profile_id].groups.append(group_id)
    return found


def _names(conn: Connection) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(name) for name in _COLUMNS)


def _row(profile_id: str, event: IncomingEvent) -> tuple[Any, ...]:
    return (
        profile_id,
        event.source,
        event.message_id,
        int(event.type),
        event.event_name,
        event.timestamp,
        event.receive_time,
        event.public_json,
        event.sealed_pii,
        event.subject_id,
        event.anchor,
    )
