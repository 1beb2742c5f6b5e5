"""Batch upkeep: compute new segments over everyone, re-check sliding windows, fill unknown consent.

A scheduler thread runs these: at once when a segment is created or changed, and every
`recheck_interval` seconds for conditions and computed traits whose windows slide with time.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import and_, exists, func, or_, select

from cdp.db import write_transaction
from cdp.segmentation.adapters import computed, orm
from cdp.segmentation.adapters.compiler import Scope
from cdp.segmentation.adapters.definitions import Definitions
from cdp.segmentation.adapters.membership import Target, evaluate
from cdp.segmentation.domain import membership as mb
from cdp.segmentation.domain.conditions.checks import references
from cdp.segmentation.domain.segments import ComputeState
from cdp.segmentation.service_layer import recipients
from cdp.segmentation.service_layer.context import MEMBERSHIP_LOCK, Context
from cdp.segmentation.service_layer.realtime import (
    in_dependency_order,
    purposes_in_use,
    recheck_consent,
)

log = logging.getLogger("cdp.segmentation")
CONSENT_BATCH = 2000
# Granted consents are asked again after this long (microseconds), CONSENT_BATCH per round.
CONSENT_MAX_AGE = 3600 * 1_000_000
MAX_CONSENT_ROUNDS = 500  # per round; the next round continues


def compute_pending(ctx: Context) -> int:
    """Computes new computed traits, then every segment still COMPUTING; returns segments done."""
    with ctx.engine.connect() as conn:
        pending = in_dependency_order(Definitions(conn).segments())
        traits = Definitions(conn).unready_computed_traits()
    for key in traits:
        refresh_computed_trait(ctx, key)
    if any(s.state is ComputeState.COMPUTING for s in pending):
        _fill_all_unknown_consent(ctx)  # a new purpose: ask it for everyone before computing
    done = 0
    for segment in pending:
        if segment.state is ComputeState.COMPUTING:
            compute_segment(ctx, segment.id)
            done += 1
    return done


def compute_segment(ctx: Context, segment_id: str, unmatched: str = mb.SEGMENT_UPDATED) -> None:
    """One transaction: the whole membership, its changes, READY (or FAILED with the reason)."""
    try:
        with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
            definitions = Definitions(conn)
            segment = definitions.segment(segment_id)
            if segment is None:
                return
            scope = Scope(now=ctx.clock(), computed=definitions.computed_map())
            evaluate(conn, Target(segment.id, segment.condition, segment.purpose), scope, unmatched)
            definitions.set_state(segment_id, ComputeState.READY)
    except Exception as exc:
        log.exception("computing segments/%s failed", segment_id)
        with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
            Definitions(conn).set_state(segment_id, ComputeState.FAILED, type(exc).__name__)
    ctx.notifier.pulse()


def recheck_windows(ctx: Context) -> int:
    """Re-evaluates segments and computed traits whose windows slide; returns changes made."""
    changes = 0
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        definitions = Definitions(conn)
        traits = definitions.computed_map()
        scope = Scope(now=ctx.clock(), computed=traits)
        for segment in in_dependency_order(definitions.segments()):
            refs = references(segment.condition, traits)
            if segment.state is ComputeState.READY and (refs.slides or refs.segment_ids):
                target = Target(segment.id, segment.condition, segment.purpose)
                changes += evaluate(conn, target, scope, mb.WINDOW_SLID)
        sliding = {k: a for k, a in traits.items() if a.selector.window.slides}
        queued = computed.refresh(conn, sliding, scope) if sliding else 0
    ctx.notifier.pulse()
    if queued:
        ctx.computed_committed()
    return changes


def fill_unknown_consent(ctx: Context) -> int:
    """Asks consent for profiles it was never asked for (consent was down, or a new purpose)."""
    with ctx.engine.connect() as conn:
        purposes = purposes_in_use(Definitions(conn).segments())
        if not purposes:
            return 0
        p, c = orm.profiles, orm.consent
        missing = [
            ~exists().where(and_(c.c.profile_id == p.c.id, c.c.purpose == purpose))
            for purpose in purposes
        ]
        unknown = list(
            conn.execute(select(p.c.id).where(or_(*missing)).limit(CONSENT_BATCH)).scalars()
        )
    return recheck_consent(ctx, unknown)


def refresh_granted_consent(ctx: Context, older_than: int = CONSENT_MAX_AGE) -> int:
    """Asks again for the longest-unchecked granted consents: a consent can expire without any
    record being written (its expire_time passes), so nothing else would tell segmentation."""
    c = orm.consent
    with ctx.engine.connect() as conn:
        stale = list(
            conn.execute(
                select(c.c.profile_id)
                .where(c.c.granted.is_(True), c.c.checked_at < ctx.clock() - older_than)
                .group_by(c.c.profile_id)
                .order_by(func.min(c.c.checked_at))
                .limit(CONSENT_BATCH)
            ).scalars()
        )
    return recheck_consent(ctx, stale)


def _fill_all_unknown_consent(ctx: Context) -> None:
    for _ in range(MAX_CONSENT_ROUNDS):
        if fill_unknown_consent(ctx) < CONSENT_BATCH:
            break


def refresh_computed_trait(ctx: Context, key: str) -> None:
    """A new computed trait: its values for everyone."""
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        definitions = Definitions(conn)
        trait = definitions.computed_trait(key)
        if trait is None:
            return
        scope = Scope(now=ctx.clock(), computed=definitions.computed_map())
        queued = computed.refresh(conn, {key: trait.aggregate}, scope)
        definitions.mark_computed_ready(key)
    if queued:
        ctx.computed_committed()


class Scheduler:
    """One background thread for batch work; `wake()` runs a round now."""

    def __init__(self, ctx: Context, interval: float) -> None:
        self._ctx, self._interval = ctx, interval
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="segmentation-batch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        last_sweep = 0.0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                compute_pending(self._ctx)
                if self._ctx.clock() / 1e6 - last_sweep >= self._interval:
                    last_sweep = self._ctx.clock() / 1e6
                    recheck_windows(self._ctx)
                    _fill_all_unknown_consent(self._ctx)
                    refresh_granted_consent(self._ctx)
                    # Recipients given people who exited since are owed notifications (<= 1 h).
                    recipients.settle(self._ctx)
            except Exception:
                log.exception("a batch round failed; retrying at the next round")
            self._wake.wait(self._interval)
