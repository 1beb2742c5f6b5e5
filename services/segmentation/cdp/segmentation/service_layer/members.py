"""Reading membership: paged member lists and the resumable entered/exited stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select

from cdp.errors import FailedPrecondition, InvalidArgument, NotFound
from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.definitions import Definitions
from cdp.segmentation.domain import membership as mb
from cdp.segmentation.domain.segments import ComputeState, Segment
from cdp.segmentation.service_layer.context import Context

WATCH_BATCH = 500
WATCH_POLL = 1.0  # seconds between checks that the caller is still there and the segment exists


def list_members(ctx: Context, segment_id: str, after: str, size: int) -> list[str]:
    """Up to `size` member profile ids after `after`, in id order (excluded people never)."""
    m = orm.members
    with ctx.engine.connect() as conn:
        segment = _ready(Definitions(conn).segment(segment_id), segment_id)
        rows = conn.execute(
            select(m.c.profile_id)
            .where(m.c.segment_id == segment.id, m.c.excluded.is_(False), m.c.profile_id > after)
            .order_by(m.c.profile_id)
            .limit(size)
        )
        return list(rows.scalars())


def follow(
    ctx: Context, segment_id: str, after_version: int, active: Callable[[], bool]
) -> Iterator[mb.Change]:
    """Changes after `after_version`, in version order, then new ones as they commit."""
    for batch in follow_batches(ctx, segment_id, after_version, active):
        yield from batch


def follow_batches(
    ctx: Context,
    segment_id: str,
    after_version: int,
    active: Callable[[], bool],
    opened: Callable[[Segment], None] = lambda _segment: None,
) -> Iterator[list[mb.Change]]:
    """As `follow`, a non-empty batch at a time; `opened` sees the segment once the request is
    valid (the disclosure log acknowledges what a resumed watch has processed)."""
    if after_version < 0:
        raise InvalidArgument(
            "INVALID_VERSION", "after_version must be >= 0", field="after_version"
        )
    with ctx.engine.connect() as conn:
        segment = Definitions(conn).segment(segment_id)
    if segment is None:
        raise NotFound("SEGMENT_NOT_FOUND", f"segments/{segment_id} does not exist")
    if after_version > segment.version:
        raise InvalidArgument(
            "VERSION_AHEAD",
            f"after_version is ahead of the segment's newest change ({segment.version})",
            field="after_version",
        )
    opened(segment)
    seen = ctx.notifier.generation()
    while active():
        batch = _changes_after(ctx, segment_id, after_version)
        if batch is None:
            raise NotFound("SEGMENT_NOT_FOUND", f"segments/{segment_id} was deleted")
        if batch:
            yield batch
            after_version = batch[-1].version
        if len(batch) < WATCH_BATCH:
            seen = ctx.notifier.wait(seen, WATCH_POLL)


def _changes_after(ctx: Context, segment_id: str, version: int) -> list[mb.Change] | None:
    c = orm.changes
    with ctx.engine.connect() as conn:
        if Definitions(conn).segment(segment_id) is None:
            return None
        rows = conn.execute(
            select(c)
            .where(c.c.segment_id == segment_id, c.c.version > version)
            .order_by(c.c.version)
            .limit(WATCH_BATCH)
        ).mappings()
        return [
            mb.Change(
                r["segment_id"],
                r["version"],
                r["profile_id"],
                mb.Kind(r["kind"]),
                r["reason"],
                r["time"],
            )
            for r in rows
        ]


def _ready(segment: Segment | None, segment_id: str) -> Segment:
    if segment is None:
        raise NotFound("SEGMENT_NOT_FOUND", f"segments/{segment_id} does not exist")
    if segment.state is not ComputeState.READY:
        raise FailedPrecondition(
            "SEGMENT_NOT_READY",
            f"segments/{segment_id} is {segment.state.name.lower()}; its members are not known yet",
        )
    return segment
