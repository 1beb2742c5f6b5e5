"""Segment definitions: create, read, list, update, delete, preview (one transaction each)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from sqlalchemy import Connection, func, not_, select

from cdp.db import write_transaction
from cdp.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.compiler import Scope, eligible, matches
from cdp.segmentation.adapters.definitions import Definitions
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.checks import check, references
from cdp.segmentation.domain.segments import (
    Segment,
    StaleSegment,
    check_display_name,
    check_purpose,
    check_segment_id,
    new_etag,
)
from cdp.segmentation.service_layer.context import MEMBERSHIP_LOCK, Context

UPDATABLE = frozenset({"display_name", "condition", "condition_tree", "purpose"})
MAX_SAMPLE = 100


@dataclass(frozen=True)
class SegmentDraft:
    segment_id: str
    display_name: str
    condition: ast.Node
    purpose: str
    request_id: str = ""


@dataclass(frozen=True)
class SegmentPatch:
    segment_id: str
    fields: frozenset[str]
    display_name: str = ""
    condition: ast.Node | None = None
    purpose: str = ""
    etag: str = ""


@dataclass(frozen=True)
class Preview:
    member_count: int
    excluded_count: int
    sample: list[str]


def create_segment(ctx: Context, draft: SegmentDraft) -> Segment:
    segment_id = check_segment_id(draft.segment_id) if draft.segment_id else _new_id()
    check_purpose(draft.purpose)
    check_display_name(draft.display_name)
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        definitions = Definitions(conn)
        if draft.request_id and (earlier := definitions.by_request_id(draft.request_id)):
            return _repeated(earlier, draft)
        if definitions.segment(segment_id) is not None:
            raise AlreadyExists("SEGMENT_EXISTS", f"segments/{segment_id} already exists")
        _check_condition(conn, draft.condition, segment_id)
        now = ctx.clock()
        segment = Segment(
            segment_id, draft.display_name, draft.condition, draft.purpose,
            etag=new_etag(), create_time=now, update_time=now,
        )  # fmt: skip
        definitions.add_segment(segment, draft.request_id or None)
    ctx.compute_requested()
    return segment


def get_segment(ctx: Context, segment_id: str) -> Segment:
    with ctx.engine.connect() as conn:
        return _existing(Definitions(conn), segment_id)


def list_segments(ctx: Context, after: str, size: int) -> list[Segment]:
    with ctx.engine.connect() as conn:
        return Definitions(conn).segments(after, size)


def update_segment(ctx: Context, patch: SegmentPatch) -> Segment:
    unknown = patch.fields - UPDATABLE
    if unknown or not patch.fields:
        raise InvalidArgument(
            "INVALID_UPDATE_MASK",
            f"update_mask may name {', '.join(sorted(UPDATABLE - {'condition_tree'}))}",
            field="update_mask",
        )
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        definitions = Definitions(conn)
        current = _existing(definitions, patch.segment_id)
        if patch.etag and patch.etag != current.etag:
            raise StaleSegment(patch.segment_id)
        values = _patched_values(conn, patch)
        segment = current.changed(ctx.clock(), **values)
        definitions.save_segment(segment)
    if segment.state is not current.state or "condition" in values or "purpose" in values:
        ctx.compute_requested()
    return segment


def delete_segment(ctx: Context, segment_id: str, etag: str) -> None:
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        definitions = Definitions(conn)
        current = _existing(definitions, segment_id)
        if etag and etag != current.etag:
            raise StaleSegment(segment_id)
        users = [
            s.id
            for s in definitions.segments()
            if segment_id in references(s.condition, {}).segment_ids and s.id != segment_id
        ]
        if users:
            raise FailedPrecondition(
                "SEGMENT_IN_USE",
                f"segments/{segment_id} is used by the condition of segments/{users[0]}",
            )
        definitions.remove_segment(segment_id)
    ctx.notifier.pulse()  # open watches of the segment end


def preview_segment(ctx: Context, condition: ast.Node, purpose: str, sample_size: int) -> Preview:
    check_purpose(purpose, field="purpose")
    size = _sample_size(sample_size)
    with ctx.engine.connect() as conn:
        _check_condition(conn, condition, None, field="condition")
        scope = Scope(now=ctx.clock(), computed=Definitions(conn).computed_map())
        p = orm.profiles
        matched, ok = matches(condition, scope), eligible(purpose)
        counts = select(func.count().filter(ok), func.count().filter(not_(ok))).where(matched)
        members, excluded = conn.execute(counts.select_from(p)).one()
        sample = list(
            conn.execute(select(p.c.id).where(matched, ok).order_by(p.c.id).limit(size)).scalars()
        )
    return Preview(members, excluded, sample)


def _check_condition(
    conn: Connection, condition: ast.Node, own_id: str | None, field: str = "segment.condition"
) -> None:
    definitions = Definitions(conn)
    graph = {
        s.id: frozenset(references(s.condition, {}).segment_ids) for s in definitions.segments()
    }
    check(condition, definitions.computed_map(), graph, own_id, field=field)


def _patched_values(conn: Connection, patch: SegmentPatch) -> dict:
    values: dict = {}
    if "display_name" in patch.fields:
        values["display_name"] = check_display_name(patch.display_name)
    if "purpose" in patch.fields:
        values["purpose"] = check_purpose(patch.purpose)
    if patch.fields & {"condition", "condition_tree"}:
        if patch.condition is None:
            raise InvalidArgument(
                "FIELD_REQUIRED", "segment.condition is required", field="segment.condition"
            )
        _check_condition(conn, patch.condition, patch.segment_id)
        values["condition"] = patch.condition
    return values


def _existing(definitions: Definitions, segment_id: str) -> Segment:
    segment = definitions.segment(segment_id)
    if segment is None:
        raise NotFound("SEGMENT_NOT_FOUND", f"segments/{segment_id} does not exist")
    return segment


def _repeated(earlier: Segment, draft: SegmentDraft) -> Segment:
    asked = replace(
        earlier, display_name=draft.display_name, condition=draft.condition, purpose=draft.purpose
    )
    if asked != earlier or (draft.segment_id and draft.segment_id != earlier.id):
        raise InvalidArgument(
            "REQUEST_ID_REUSED",
            "request_id was already used to create a different segment",
            field="request_id",
        )
    return earlier


def _new_id() -> str:
    return "s" + secrets.token_hex(8)


def _sample_size(requested: int) -> int:
    if requested < 0 or requested > MAX_SAMPLE:
        raise InvalidArgument(
            "INVALID_SAMPLE_SIZE", f"sample_size must be 0..{MAX_SAMPLE}", field="sample_size"
        )
    return requested or 10
