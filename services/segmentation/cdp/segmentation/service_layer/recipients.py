"""Recipients of audiences (GDPR Art. 19): what watches and member lists give whom, the notifications
owed when those people exit for erasure, withdrawal or restriction, their acks and escalation.

A recipient is the caller's token subject. Delivered = its watch sent the EXITED change; acked = it
later resumed a watch with after_version at or past that change (the documented contract of
WatchSegmentMembershipRequest.after_version); escalated = not acked 7 days after it was made.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping

from sqlalchemy import Connection, select, text

from cdp.db import is_sqlite, write_transaction
from cdp.pii.subjects import request_label
from cdp.segmentation.adapters import disclosures, erasure_notices, orm
from cdp.segmentation.domain import membership as mb
from cdp.segmentation.domain.segments import Segment
from cdp.segmentation.service_layer import members
from cdp.segmentation.service_layer.context import MEMBERSHIP_LOCK, Context

log = logging.getLogger("cdp.segmentation")
DAY = 86_400 * 1_000_000  # microseconds
ESCALATE_AFTER = 7 * DAY
# EraseSubject's counts carry the notifications made per recipient under this prefix, so consent's
# DSR worker keeps them with the task (see participant_service.proto).
NOTIFIED = "notified/"


def watch(
    ctx: Context, recipient: str, segment_id: str, after_version: int, active: Callable[[], bool]
) -> Iterator[mb.Change]:
    """members.follow, logging what the recipient is given and what it has received and processed."""
    created: list[int] = []

    def opened(segment: Segment) -> None:
        created.append(segment.create_time)
        if after_version > 0:
            _acknowledge(ctx, recipient, segment, after_version)

    for batch in members.follow_batches(ctx, segment_id, after_version, active, opened):
        given: dict[str, int] = {}
        for change in batch:
            if change.kind is mb.Kind.ENTERED:
                given.setdefault(change.profile_id, change.version)
        if given:  # logged before sending: a disclosure is never missed, at worst over-counted
            with _beside_membership(ctx) as conn:
                disclosures.record(conn, recipient, segment_id, given, ctx.clock())
        yield from batch
        # Resumed after the last one: gRPC has taken every change of the batch for sending.
        exits = [x for x in batch if _owed(x)]
        if exits:
            with _beside_membership(ctx) as conn:
                disclosures.delivered(conn, recipient, segment_id, created[0], exits, ctx.clock())


def listed(ctx: Context, recipient: str, segment_id: str, profiles: list[str]) -> None:
    """A member list page gave these profiles to the recipient."""
    if not profiles:
        return
    with _beside_membership(ctx) as conn:
        version = conn.execute(
            select(orm.segments.c.version).where(orm.segments.c.id == segment_id)
        ).scalar()
        given = dict.fromkeys(profiles, version or 0)
        disclosures.record(conn, recipient, segment_id, given, ctx.clock())


def settle(ctx: Context, escalate_after: int = ESCALATE_AFTER) -> int:
    """The scheduler's round: notifications for new exits (withdrawals arrive through the consent
    feed), then escalation of the overdue; returns how many were escalated."""
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        disclosures.sweep(conn, ctx.clock())
    return escalate(ctx, escalate_after)


def escalate(ctx: Context, escalate_after: int = ESCALATE_AFTER) -> int:
    now = ctx.clock()
    with write_transaction(ctx.engine) as conn:
        overdue = disclosures.escalate(conn, now - escalate_after, now)
    for recipient, count in sorted(overdue.items()):
        log.warning(
            "%d notification(s) to recipient %s not acknowledged within %d days: escalated",
            count,
            recipient,
            escalate_after // DAY,
        )
    return sum(overdue.values())


def erase(conn: Connection, profiles: list[str], request: str, now: int) -> dict[str, int]:
    """In the erasure's transaction: every recipient given the person is owed an ERASED exit, then
    nothing here names them any more. Returns counts: rows deleted, and NOTIFIED + recipient."""
    erasure_notices.notify_erasure(conn, profiles, now)  # a no-op when the fence already did it
    deleted, per_recipient = erasure_notices.forget(conn, profiles)
    label = request_label(request)
    if label == request:  # kept only under a well-formed request name
        erasure_notices.keep_erasure(conn, request, per_recipient)
        per_recipient = erasure_notices.erasure_recipients(conn, request)  # the same on a repeat
    if per_recipient:
        log.info(
            "%s: %d recipient(s) notified of the erasure: %s",
            label,
            len(per_recipient),
            ", ".join(sorted(per_recipient)),
        )
    counts = {NOTIFIED + r: count for r, count in per_recipient.items()}
    return {orm.disclosures.name: deleted, **counts}


def recipients_in(counts: Mapping[str, int]) -> list[str]:
    """The recipient names among EraseSubject's counts, sorted."""
    return sorted(k.removeprefix(NOTIFIED) for k in counts if k.startswith(NOTIFIED))


def _acknowledge(ctx: Context, recipient: str, segment: Segment, through: int) -> None:
    with ctx.engine.connect() as conn:  # most resumes owe nothing: no write lock for them
        if not disclosures.has_open(conn, recipient, segment.id, segment.create_time):
            return
    with _beside_membership(ctx) as conn:
        disclosures.acknowledge(
            conn, recipient, segment.id, segment.create_time, through, ctx.clock()
        )


def _owed(change: mb.Change) -> bool:
    return change.kind is mb.Kind.EXITED and change.reason in disclosures.NOTIFIED_REASONS


@contextlib.contextmanager
def _beside_membership(ctx: Context) -> Iterator[Connection]:
    """A write transaction that never interleaves with a fence or an erasure, so no disclosure of a
    fenced person slips in: on PostgreSQL a shared hold of the membership lock (SQLite serialises
    every writer anyway)."""
    with write_transaction(ctx.engine) as conn:
        if not is_sqlite(conn):
            conn.execute(
                text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": MEMBERSHIP_LOCK}
            )
        yield conn
