"""Profile summaries and the applied-sequence watermark in SQL (no personal data here)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from cdp.profile.adapters.orm import profiles, progress
from cdp.profile.domain.model import ProfileState

CHUNK = 500  # ids per IN list: far below every driver's parameter limit
_STREAM = "identity"


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlAlchemyProfileRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def load(self, profile_ids: Iterable[str]) -> dict[str, ProfileState]:
        states: dict[str, ProfileState] = {}
        pending = set(profile_ids)
        while pending:  # merged_into chains are one hop (repoint keeps them short)
            for chunk in chunks(sorted(pending)):
                rows = self._conn.execute(select(profiles).where(profiles.c.id.in_(chunk)))
                states.update((row.id, _state(row)) for row in rows)
            pending = {s.merged_into for s in states.values() if s.merged_into} - states.keys()
        return states

    def current(self, profile_ids: Iterable[str]) -> dict[str, ProfileState]:
        requested = profiles.alias("requested")
        live = func.coalesce(requested.c.merged_into, requested.c.id)
        found: dict[str, ProfileState] = {}
        for chunk in chunks(sorted(set(profile_ids))):
            query = (
                select(requested.c.id.label("requested_id"), *profiles.c)
                .join_from(requested, profiles, profiles.c.id == live)
                .where(requested.c.id.in_(chunk))
            )
            found.update((row.requested_id, _state(row)) for row in self._conn.execute(query))
        return found

    def save(self, states: Sequence[ProfileState]) -> None:
        new = [_row(s) for s in states if not s.stored]
        old = [{f"b_{name}": value for name, value in _row(s).items()} for s in states if s.stored]
        if new:
            self._conn.execute(insert(profiles), new)
        if old:
            values = {name: bindparam(f"b_{name}") for name in _COLUMNS}
            self._conn.execute(
                update(profiles).where(profiles.c.id == bindparam("b_id")).values(values), old
            )
        for state in states:
            state.stored = True

    def repoint(self, absorbed: Sequence[tuple[str, str]]) -> None:
        if absorbed:
            self._conn.execute(
                update(profiles)
                .where(profiles.c.merged_into == bindparam("b_old"))
                .values(merged_into=bindparam("b_new")),
                [{"b_old": old, "b_new": new} for old, new in absorbed],
            )


class SqlAlchemyProgress:
    """The highest change sequence applied from identity's outbox."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def last_sequence(self) -> int:
        query = select(progress.c.last_sequence).where(progress.c.stream == _STREAM)
        return self._conn.execute(query).scalar() or 0

    def advance(self, sequence: int) -> None:
        done = self._conn.execute(
            update(progress).where(progress.c.stream == _STREAM).values(last_sequence=sequence)
        )
        if done.rowcount == 0:
            self._conn.execute(insert(progress).values(stream=_STREAM, last_sequence=sequence))


_COLUMNS = ("merged_into", "event_count", "first_seen", "last_seen", "groups", "merged_profiles")


def _row(state: ProfileState) -> dict[str, Any]:
    return {
        "id": state.id,
        "merged_into": state.merged_into,
        "event_count": state.event_count,
        "first_seen": state.first_seen,
        "last_seen": state.last_seen,
        "groups": json.dumps(state.groups),
        "merged_profiles": json.dumps(state.merged_profiles),
    }


def _state(row: Any) -> ProfileState:
    return ProfileState(
        row.id,
        row.merged_into,
        row.event_count,
        row.first_seen,
        row.last_seen,
        json.loads(row.groups),
        json.loads(row.merged_profiles),
        stored=True,
    )
