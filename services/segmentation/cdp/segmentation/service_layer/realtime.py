"""Real-time upkeep: apply the profile feed and consent changes, re-check only what they can affect.

A change re-checks only the segments whose condition reads a trait key or event name it touched
(or every segment, for profiles whose make-up changed), only for the profiles it touched, with the
same compiled SQL as the batch computation; segments that read those segments follow in dependency
order. Consent is asked of the consent service outside the write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, insert, select

from cdp.db import write_transaction
from cdp.segmentation.adapters import computed, disclosures, orm
from cdp.segmentation.adapters.compiler import Scope
from cdp.segmentation.adapters.definitions import Definitions
from cdp.segmentation.adapters.membership import Target, evaluate, exit_everywhere
from cdp.segmentation.adapters.read_model import ReadModel
from cdp.segmentation.domain import membership as mb
from cdp.segmentation.domain.conditions.checks import references
from cdp.segmentation.domain.segments import ComputeState, Segment
from cdp.segmentation.domain.updates import Touched, Update
from cdp.segmentation.service_layer.context import MEMBERSHIP_LOCK, Context

# Profiles per evaluation: each compiled predicate repeats the scope as bound parameters, and
# SQLite allows 32,766 per statement.
SCOPE_CHUNK = 400


def apply_profile_updates(ctx: Context, updates: Sequence[Update]) -> int:
    """Applies the updates and re-checks what they touched; returns how many were new.

    Consent for profiles the updates reshape (new subjects, merges, rebuilds) or that were never
    asked is asked first, outside the transaction, so a new person enters with consent known.
    """
    with ctx.engine.connect() as conn:
        purposes = purposes_in_use(Definitions(conn).segments())
        asking = ReadModel(conn).needing_consent(updates, purposes) if purposes else []
    answers = ctx.consent.check(asking, purposes) if asking else {}
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        before = ReadModel(conn).last_sequence()
        touched = ReadModel(conn).apply(updates)
        store_consent(conn, answers or {}, ctx.clock())
        queued = recheck(conn, ctx, touched)
    ctx.notifier.pulse()
    if queued:
        ctx.computed_committed()
    return sum(1 for u in updates if u.sequence > before)


def apply_consent_updates(
    ctx: Context, subject_ids: Sequence[str], profile_ids: Sequence[str] = ()
) -> int:
    """Consent changed for these subjects (of these profiles): re-ask it and re-check them."""
    with ctx.engine.connect() as conn:
        known = ReadModel(conn).profiles_of_subjects(subject_ids) if subject_ids else []
    return recheck_consent(ctx, sorted({*known, *profile_ids}))


def recheck_consent(ctx: Context, profile_ids: Sequence[str]) -> int:
    """Asks consent for these profiles and every purpose in use, then re-checks every segment."""
    if not profile_ids:
        return 0
    with ctx.engine.connect() as conn:
        purposes = purposes_in_use(Definitions(conn).segments())
    answers = ctx.consent.check(profile_ids, purposes) if purposes else {}
    if answers is None:
        return 0  # consent is down: what it said last stands; the scheduler asks again
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        store_consent(conn, answers, ctx.clock())
        everything = Touched(profiles=set(profile_ids), reshaped=set(profile_ids))
        recheck(conn, ctx, everything, include_computed=False)
        disclosures.sweep(conn, ctx.clock())  # recipients given them learn of withdrawals now
    ctx.notifier.pulse()
    return len(profile_ids)


def recheck(
    conn: Connection,
    ctx: Context,
    touched: Touched,
    include_computed: bool = True,
    regained: str = mb.CONSENT_GRANTED,
) -> int:
    """Exits absorbed profiles, re-checks affected segments; returns computed values queued."""
    now = ctx.clock()
    exit_everywhere(conn, sorted(touched.absorbed), mb.MERGED, now)
    if not touched.profiles:
        return 0
    definitions = Definitions(conn)
    traits = definitions.computed_map()
    ordered = in_dependency_order(definitions.segments())
    profiles = sorted(touched.profiles)
    queued = 0
    for start in range(0, len(profiles), SCOPE_CHUNK):
        scope = Scope(now=now, profile_ids=profiles[start : start + SCOPE_CHUNK], computed=traits)
        _recheck_segments(conn, ordered, traits, touched, scope, regained)
        if include_computed:
            queued += _refresh_computed(conn, traits, touched, scope)
    return queued


def _recheck_segments(conn, ordered, traits, touched: Touched, scope: Scope, regained: str) -> None:
    changed: set[str] = set()
    for segment in ordered:
        if segment.state is ComputeState.COMPUTING:
            continue  # its batch computation will include these changes
        refs = references(segment.condition, traits)
        due = _affected(refs, touched) or changed & set(refs.segment_ids)
        if due and evaluate(conn, _target(segment), scope, regained=regained):
            changed.add(segment.id)


def _refresh_computed(conn: Connection, traits, touched: Touched, scope: Scope) -> int:
    due = {
        key: agg
        for key, agg in traits.items()
        if touched.reshaped or agg.selector.event in touched.event_names
    }
    return computed.refresh(conn, due, scope) if due else 0


def store_consent(conn: Connection, answers: dict[tuple[str, str], bool], now: int) -> None:
    if not answers:
        return
    c = orm.consent
    profiles = sorted({p for p, _ in answers})
    for start in range(0, len(profiles), 5000):
        chunk = profiles[start : start + 5000]
        conn.execute(
            delete(c).where(c.c.profile_id.in_(chunk), c.c.purpose.in_({q for _, q in answers}))
        )
    live = set(
        conn.execute(select(orm.profiles.c.id).where(orm.profiles.c.id.in_(profiles))).scalars()
    )
    rows = [
        {"profile_id": p, "purpose": q, "granted": granted, "checked_at": now}
        for (p, q), granted in answers.items()
        if p in live
    ]
    if rows:
        conn.execute(insert(c), rows)


def purposes_in_use(segments: Iterable[Segment]) -> list[str]:
    """Every segment's purpose and every purpose a condition asks consent for."""
    found: set[str] = set()
    for segment in segments:
        found.add(segment.purpose)
        found.update(references(segment.condition, {}).purposes)
    return sorted(found)


def in_dependency_order(segments: Sequence[Segment]) -> list[Segment]:
    """Segments after the segments their conditions read (conditions have no cycles)."""
    by_id = {s.id: s for s in segments}
    ordered: list[Segment] = []
    seen: set[str] = set()

    def visit(segment: Segment) -> None:
        if segment.id in seen:
            return
        seen.add(segment.id)
        for dependency in sorted(references(segment.condition, {}).segment_ids):
            if dependency in by_id:
                visit(by_id[dependency])
        ordered.append(segment)

    for segment in segments:
        visit(segment)
    return ordered


def _affected(refs, touched: Touched) -> bool:
    return bool(
        touched.reshaped
        or set(refs.trait_keys) & touched.trait_keys
        or set(refs.event_names) & touched.event_names
    )


def _target(segment: Segment) -> Target:
    return Target(segment.id, segment.condition, segment.purpose)
