"""Segment and computed-trait definitions in SQL; conditions are stored as canonical text."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Connection, delete, insert, select, update

from cdp.segmentation.adapters import orm
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.formatter import format_aggregate, format_condition
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate
from cdp.segmentation.domain.segments import ComputedTrait, ComputeState, Segment

s, ct = orm.segments, orm.computed_traits


@lru_cache(maxsize=1024)
def _condition(text: str) -> ast.Node:
    return parse(text)


@lru_cache(maxsize=1024)
def _aggregate(text: str) -> ast.Aggregate:
    return parse_aggregate(text)


class Definitions:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def segment(self, segment_id: str) -> Segment | None:
        row = self._conn.execute(select(s).where(s.c.id == segment_id)).mappings().first()
        return _segment(row) if row else None

    def segments(self, after: str = "", limit: int | None = None) -> list[Segment]:
        query = select(s).where(s.c.id > after).order_by(s.c.id)
        if limit is not None:
            query = query.limit(limit)
        return [_segment(row) for row in self._conn.execute(query).mappings()]

    def by_request_id(self, request_id: str) -> Segment | None:
        row = self._conn.execute(select(s).where(s.c.request_id == request_id)).mappings().first()
        return _segment(row) if row else None

    def add_segment(self, segment: Segment, request_id: str | None) -> None:
        self._conn.execute(insert(s).values(**_segment_row(segment), request_id=request_id))

    def save_segment(self, segment: Segment) -> None:
        """Writes the definition; counts and version belong to the membership engine."""
        row = _segment_row(segment)
        for owned_by_membership in ("member_count", "excluded_count", "version", "create_time"):
            del row[owned_by_membership]
        self._conn.execute(update(s).where(s.c.id == segment.id).values(**row))

    def set_state(self, segment_id: str, state: ComputeState, error: str = "") -> None:
        self._conn.execute(update(s).where(s.c.id == segment_id).values(state=state, error=error))

    def remove_segment(self, segment_id: str) -> None:
        for table, column in (
            (orm.members, orm.members.c.segment_id),
            (orm.changes, orm.changes.c.segment_id),
            (orm.evaluation, orm.evaluation.c.segment_id),
            (s, s.c.id),
        ):
            self._conn.execute(delete(table).where(column == segment_id))

    def computed_trait(self, key: str) -> ComputedTrait | None:
        row = self._conn.execute(select(ct).where(ct.c.key == key)).mappings().first()
        return _computed(row) if row else None

    def computed_traits(self, after: str = "", limit: int | None = None) -> list[ComputedTrait]:
        query = select(ct).where(ct.c.key > after).order_by(ct.c.key)
        if limit is not None:
            query = query.limit(limit)
        return [_computed(row) for row in self._conn.execute(query).mappings()]

    def computed_map(self) -> dict[str, ast.Aggregate]:
        return {trait.key: trait.aggregate for trait in self.computed_traits()}

    def add_computed_trait(self, trait: ComputedTrait) -> None:
        self._conn.execute(
            insert(ct).values(
                key=trait.key,
                display_name=trait.display_name,
                expression=format_aggregate(trait.aggregate),
                create_time=trait.create_time,
                ready=False,
            )
        )

    def unready_computed_traits(self) -> list[str]:
        return list(self._conn.execute(select(ct.c.key).where(ct.c.ready.is_(False))).scalars())

    def mark_computed_ready(self, key: str) -> None:
        self._conn.execute(update(ct).where(ct.c.key == key).values(ready=True))

    def remove_computed_trait(self, key: str) -> None:
        self._conn.execute(delete(ct).where(ct.c.key == key))
        values = orm.computed_values
        self._conn.execute(delete(values).where(values.c.key == key))


def _segment(row) -> Segment:
    return Segment(
        id=row["id"],
        display_name=row["display_name"],
        condition=_condition(row["condition"]),
        purpose=row["purpose"],
        state=ComputeState(row["state"]),
        error=row["error"],
        member_count=row["member_count"],
        excluded_count=row["excluded_count"],
        version=row["version"],
        etag=row["etag"],
        create_time=row["create_time"],
        update_time=row["update_time"],
    )


def _segment_row(segment: Segment) -> dict:
    return {
        "id": segment.id,
        "display_name": segment.display_name,
        "condition": format_condition(segment.condition),
        "purpose": segment.purpose,
        "state": int(segment.state),
        "error": segment.error,
        "member_count": segment.member_count,
        "excluded_count": segment.excluded_count,
        "version": segment.version,
        "etag": segment.etag,
        "create_time": segment.create_time,
        "update_time": segment.update_time,
    }


def _computed(row) -> ComputedTrait:
    return ComputedTrait(
        key=row["key"],
        display_name=row["display_name"],
        aggregate=_aggregate(row["expression"]),
        create_time=row["create_time"],
    )
