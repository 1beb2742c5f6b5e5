"""Erasure and the disclosure log: every recipient given the person is owed an EXITED / ERASED
change to act on; then nothing here names them but that change (GDPR Art. 19, privacy.md T10).

What stays is a count per recipient under the erasure request's name, so a repeated EraseSubject
gives the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, delete, func, insert, select, update

from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.disclosures import CHANGE_KEY, notification, segments_of
from cdp.segmentation.adapters.read_model import insert_ignoring
from cdp.segmentation.domain import membership as mb

d, n, c, seg = orm.disclosures, orm.notifications, orm.changes, orm.segments


def notify_erasure(conn: Connection, profiles: Sequence[str], now: int) -> int:
    """Every recipient given one of these fenced profiles gets an EXITED / ERASED change to act on:
    the exit just written, or a new one where the person had already left that segment (they may
    still hold the copy). A segment deleted since leaves no stream: version 0, escalated in time."""
    given = conn.execute(
        select(d.c.recipient, d.c.segment_id, d.c.profile_id).where(
            d.c.profile_id.in_(list(profiles))
        )
    ).all()
    if not given:
        return 0
    live = segments_of(conn, {s for _, s, _ in given})
    exits = _erased_exits(conn, profiles)
    missing = sorted({(s, p) for _, s, p in given if s in live and (s, p) not in exits})
    exits.update(_append_erased_exits(conn, missing, live, now))
    rows = [
        notification(r, s, live[s][1] if s in live else 0, exits.get((s, p), 0), p, mb.ERASED, now)
        for r, s, p in given
    ]
    conn.execute(insert_ignoring(conn, n, CHANGE_KEY), rows)
    return len(rows)


def forget(conn: Connection, profiles: Sequence[str]) -> tuple[int, dict[str, int]]:
    """Erasure: deletes the profiles' disclosures and unlinks their notifications; returns the rows
    deleted and, per recipient, how many it had (each owed its ERASED notification)."""
    ids = list(profiles)
    if not ids:
        return 0, {}
    given = conn.execute(
        select(d.c.recipient, func.count()).where(d.c.profile_id.in_(ids)).group_by(d.c.recipient)
    )
    per_recipient = {recipient: count for recipient, count in given}
    conn.execute(update(n).where(n.c.profile_id.in_(ids)).values(profile_id=None))
    deleted = conn.execute(delete(d).where(d.c.profile_id.in_(ids))).rowcount or 0
    return deleted, per_recipient


def keep_erasure(conn: Connection, request: str, per_recipient: Mapping[str, int]) -> None:
    rows = [
        {"request": request, "recipient": r, "notifications": count}
        for r, count in sorted(per_recipient.items())
    ]
    if rows:
        conn.execute(insert_ignoring(conn, orm.erasure_recipients, ["request", "recipient"]), rows)


def erasure_recipients(conn: Connection, request: str) -> dict[str, int]:
    e = orm.erasure_recipients
    rows = conn.execute(select(e.c.recipient, e.c.notifications).where(e.c.request == request))
    return {recipient: count for recipient, count in rows}


def _erased_exits(conn: Connection, profiles: Sequence[str]) -> dict[tuple[str, str], int]:
    rows = conn.execute(
        select(c.c.segment_id, c.c.profile_id, func.max(c.c.version))
        .where(c.c.profile_id.in_(list(profiles)), c.c.kind == int(mb.Kind.EXITED))
        .where(c.c.reason == mb.ERASED)
        .group_by(c.c.segment_id, c.c.profile_id)
    )
    return {(s, p): version for s, p, version in rows}


def _append_erased_exits(
    conn: Connection,
    missing: Sequence[tuple[str, str]],
    live: Mapping[str, tuple[int, int]],
    now: int,
) -> dict[tuple[str, str], int]:
    """EXITED / ERASED changes for people no longer in the segment; member counts stay as they are."""
    by_segment: dict[str, list[str]] = defaultdict(list)
    for segment_id, profile in missing:
        by_segment[segment_id].append(profile)
    versions = {}
    for segment_id, profiles in by_segment.items():
        base = live[segment_id][0]
        rows = [
            {
                "segment_id": segment_id,
                "version": base + i + 1,
                "profile_id": p,
                "kind": int(mb.Kind.EXITED),
                "reason": mb.ERASED,
                "time": now,
            }
            for i, p in enumerate(profiles)
        ]
        conn.execute(insert(c), rows)
        conn.execute(
            update(seg).where(seg.c.id == segment_id).values(version=seg.c.version + len(rows))
        )
        versions.update({(segment_id, r["profile_id"]): r["version"] for r in rows})
    return versions
