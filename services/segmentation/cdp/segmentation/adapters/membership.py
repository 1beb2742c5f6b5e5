"""Membership maintenance in SQL: evaluate a segment over a scope, diff, append changes, count.

One code path serves the batch computation (scope = everyone) and the real-time re-check (scope =
the profiles a change touched): the new state is computed by the compiled condition into seg_eval,
entered/exited rows are derived set-based from seg_eval and seg_members, numbered with consecutive
versions, and the scope's membership rows are replaced. Callers hold the membership write lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
    update,
)

from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.compiler import Scope, eligible, matches
from cdp.segmentation.domain import membership as mb
from cdp.segmentation.domain.conditions import ast

m, ev, seg = orm.members, orm.evaluation, orm.segments


@dataclass(frozen=True)
class Target:
    """What to evaluate: a segment's id, condition and purpose."""

    segment_id: str
    condition: ast.Node
    purpose: str


def evaluate(
    conn: Connection,
    target: Target,
    scope: Scope,
    unmatched: str = mb.CONDITION_UNMATCHED,
    regained: str = mb.CONSENT_GRANTED,
) -> int:
    """Brings the segment's membership of the scope up to date; returns how many changes.

    Everyone (batch) is diffed set-based in SQL; a few profiles (real time) are diffed in Python,
    which takes a third of the statements. Both use the same compiled condition.
    """
    if scope.profile_ids is not None:
        return _evaluate_few(conn, target, scope, unmatched, regained)
    sid = target.segment_id
    _fill(conn, target, scope)
    before = _counts(conn, select(m.c.excluded).where(m.c.segment_id == sid, _within(m, scope)))
    after = _counts(conn, select(ev.c.excluded).where(ev.c.segment_id == sid))
    added = _append_changes(conn, sid, _diff(sid, scope, unmatched, regained), scope.now)
    conn.execute(delete(m).where(m.c.segment_id == sid, _within(m, scope)))
    conn.execute(
        insert(m).from_select(
            ["segment_id", "profile_id", "excluded"],
            select(ev.c.segment_id, ev.c.profile_id, ev.c.excluded).where(ev.c.segment_id == sid),
        )
    )
    conn.execute(delete(ev).where(ev.c.segment_id == sid))
    _adjust(conn, sid, after[0] - before[0], after[1] - before[1], added)
    return added


def _evaluate_few(
    conn: Connection, target: Target, scope: Scope, unmatched: str, regained: str
) -> int:
    sid, ids = target.segment_id, list(scope.profile_ids or ())
    new = {pid: (excluded, kind) for pid, excluded, kind in conn.execute(_state(target, scope))}
    rows = conn.execute(
        select(m.c.profile_id, m.c.excluded).where(m.c.segment_id == sid, m.c.profile_id.in_(ids))
    )
    old = {pid: excluded for pid, excluded in rows}
    moved = sorted(
        pid for pid in new.keys() | old.keys() if old.get(pid) != new.get(pid, (None,))[0]
    )
    if not moved:
        return 0
    entered, exited = _transitions(new, old, moved, unmatched, regained)
    version = _version(conn, sid)
    rows = [
        _change_row(sid, version + i + 1, pid, kind, reason, scope.now)
        for i, (pid, kind, reason) in enumerate([*entered, *exited])
    ]
    if rows:
        conn.execute(insert(orm.changes), rows)
    conn.execute(delete(m).where(m.c.segment_id == sid, m.c.profile_id.in_(moved)))
    staying = [
        {"segment_id": sid, "profile_id": pid, "excluded": new[pid][0]}
        for pid in moved
        if pid in new
    ]
    if staying:
        conn.execute(insert(m), staying)
    excluded = sum(1 for pid in moved if new.get(pid, (False,))[0]) - sum(
        1 for pid in moved if old.get(pid) is True
    )
    _adjust(conn, sid, len(entered) - len(exited), excluded, len(rows))
    return len(rows)


def _transitions(new: dict, old: dict, moved: list[str], unmatched: str, regained: str):
    """(profile, kind, reason) entered and exited, each in profile order (as the SQL diff)."""
    entered, exited = [], []
    for pid in moved:
        now_member = pid in new and not new[pid][0]
        was_member = old.get(pid) is False
        if now_member and not was_member:
            reason = mb.CONDITION_MATCHED if pid not in old else regained
            entered.append((pid, mb.Kind.ENTERED, reason))
        elif was_member and not now_member:
            exited.append((pid, mb.Kind.EXITED, _exit_reason(new.get(pid), unmatched)))
    return entered, exited


def _exit_reason(state: tuple[bool, str | None] | None, unmatched: str) -> str:
    if state is None:
        return unmatched
    return mb.BLOCK_REASONS.get(state[1] or "", mb.CONSENT_WITHDRAWN)


def exit_everywhere(conn: Connection, profile_ids: Sequence[str], reason: str, now: int) -> int:
    """Removes these profiles from every segment (merged away, erased); returns how many exits."""
    if not profile_ids:
        return 0
    rows = conn.execute(
        select(m.c.segment_id, m.c.profile_id, m.c.excluded)
        .where(m.c.profile_id.in_(list(profile_ids)))
        .order_by(m.c.segment_id, m.c.profile_id)
    ).all()
    by_segment: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for segment_id, profile_id, excluded in rows:
        by_segment[segment_id].append((profile_id, excluded))
    exits = 0
    for segment_id, entries in by_segment.items():
        leaving = [p for p, excluded in entries if not excluded]
        if leaving:
            version = _version(conn, segment_id)
            conn.execute(
                insert(orm.changes),
                [
                    _change_row(segment_id, version + i + 1, p, mb.Kind.EXITED, reason, now)
                    for i, p in enumerate(leaving)
                ],
            )
        excluded_gone = len(entries) - len(leaving)
        _adjust(conn, segment_id, -len(leaving), -excluded_gone, len(leaving))
        exits += len(leaving)
    conn.execute(delete(m).where(m.c.profile_id.in_(list(profile_ids))))
    return exits


def _state(target: Target, scope: Scope):
    """(profile, excluded, blocked kind) of everyone in scope who matches the condition."""
    p, b = orm.profiles, orm.blocked
    return (
        select(p.c.id, not_(eligible(target.purpose, scope)), b.c.kind)
        .select_from(p.outerjoin(b, b.c.profile_id == p.c.id))
        .where(matches(target.condition, scope))
    )


def _fill(conn: Connection, target: Target, scope: Scope) -> None:
    """seg_eval := the new state of everyone in scope."""
    query = _state(target, scope).add_columns(literal(target.segment_id))
    conn.execute(delete(ev).where(ev.c.segment_id == target.segment_id))
    columns = ["profile_id", "excluded", "blocked_kind", "segment_id"]
    conn.execute(insert(ev).from_select(columns, query))


def _diff(sid: str, scope: Scope, unmatched: str, regained: str):
    """(profile_id, kind, reason) of everyone whose membership changes."""
    joined_m = and_(m.c.segment_id == ev.c.segment_id, m.c.profile_id == ev.c.profile_id)
    entered = (
        select(
            ev.c.profile_id.label("profile_id"),
            literal(int(mb.Kind.ENTERED)).label("kind"),
            case((m.c.profile_id.is_(None), mb.CONDITION_MATCHED), else_=regained).label("reason"),
        )
        .select_from(ev.outerjoin(m, joined_m))
        .where(
            ev.c.segment_id == sid, not_(ev.c.excluded), or_(m.c.profile_id.is_(None), m.c.excluded)
        )
    )
    joined_ev = and_(ev.c.segment_id == m.c.segment_id, ev.c.profile_id == m.c.profile_id)
    exited = (
        select(
            m.c.profile_id.label("profile_id"),
            literal(int(mb.Kind.EXITED)).label("kind"),
            case(
                (ev.c.profile_id.is_(None), unmatched),
                (ev.c.blocked_kind == mb.BLOCK_RESTRICTED, mb.RESTRICTED),
                (ev.c.blocked_kind == mb.BLOCK_ERASED, mb.ERASED),
                else_=mb.CONSENT_WITHDRAWN,
            ).label("reason"),
        )
        .select_from(m.outerjoin(ev, joined_ev))
        .where(
            m.c.segment_id == sid,
            not_(m.c.excluded),
            _within(m, scope),
            or_(ev.c.profile_id.is_(None), ev.c.excluded),
        )
    )
    return union_all(entered, exited).subquery("diff")


def _append_changes(conn: Connection, sid: str, diff, now: int) -> int:
    base = _version(conn, sid)
    number = func.row_number().over(order_by=(diff.c.kind, diff.c.profile_id))
    numbered = select(
        literal(sid),
        literal(base) + number,
        diff.c.profile_id,
        diff.c.kind,
        diff.c.reason,
        literal(now),
    )
    columns = ["segment_id", "version", "profile_id", "kind", "reason", "time"]
    # SQLAlchemy keeps an INSERT's rowcount only when asked (psycopg would report -1).
    statement = insert(orm.changes).from_select(columns, numbered)
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def _counts(conn: Connection, rows) -> tuple[int, int]:
    """(members, excluded) among these rows of one boolean column `excluded`."""
    sub = rows.subquery()
    column = next(iter(sub.c))
    found = conn.execute(select(column, func.count()).group_by(column)).all()
    tally = {bool(excluded): count for excluded, count in found}
    return tally.get(False, 0), tally.get(True, 0)


def _adjust(conn: Connection, sid: str, members: int, excluded: int, changes: int) -> None:
    conn.execute(
        update(seg)
        .where(seg.c.id == sid)
        .values(
            member_count=seg.c.member_count + members,
            excluded_count=seg.c.excluded_count + excluded,
            version=seg.c.version + changes,
        )
    )


def _version(conn: Connection, sid: str) -> int:
    return conn.execute(select(seg.c.version).where(seg.c.id == sid)).scalar_one()


def _within(table, scope: Scope):
    if scope.profile_ids is None:
        return true()
    return table.c.profile_id.in_(list(scope.profile_ids))


def _change_row(
    sid: str, version: int, profile_id: str, kind: mb.Kind, reason: str, now: int
) -> dict:
    return {
        "segment_id": sid,
        "version": version,
        "profile_id": profile_id,
        "kind": int(kind),
        "reason": reason,
        "time": now,
    }
