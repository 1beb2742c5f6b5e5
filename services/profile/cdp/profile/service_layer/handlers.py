"""ApplyProfileChanges: identity's events, merges and splits applied set-based, once each, fenced.

What changed is queued for segmentation on the same unit of work, so it commits with the change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cdp.profile.domain.book import ProfileBook
from cdp.profile.domain.commands import ApplyChanges, Change, EventChange, MergeChange, SplitChange
from cdp.profile.domain.feed import (
    FeedUpdate,
    MergeApplied,
    TraitsChanged,
    plan_profiles,
    rebuilt,
    recorded,
    trait_changes,
)
from cdp.profile.domain.model import IncomingEvent, ProfileState
from cdp.profile.domain.privacy import Suppression, named_by, unsuppressed
from cdp.profile.domain.traits import TraitPlan, newest, plan_traits
from cdp.profile.service_layer.unit_of_work import AbstractUnitOfWork

log = logging.getLogger("cdp.profile")


@dataclass
class Applied:
    """How many changes were new, and how many events were dropped: fenced, or unreadable."""

    applied: int = 0
    erased: int = 0
    unreadable: int = 0
    suppressed: int = 0


def apply_changes(cmd: ApplyChanges, uow: AbstractUnitOfWork) -> Applied:
    """One transaction; changes at or below the remembered sequence were applied before.

    The fence is read inside this write transaction: a FenceSubject either committed before it
    (and its subject's changes are dropped here) or waits for it (and EraseSubject removes them).
    """
    tally = Applied()
    with uow:
        last = uow.progress.last_sequence()
        fresh = [c for c in cmd.changes if c.sequence <= 0 or c.sequence > last]
        fence = uow.suppressions.matching(named_by(fresh)) if fresh else Suppression()
        admitted, tally.suppressed = unsuppressed(fresh, fence)
        for run in _runs(admitted):
            if isinstance(run, SplitChange):
                _split(run, uow)
                tally.applied += 1
            else:
                _apply_run(run, uow, tally)
        top = max((c.sequence for c in fresh), default=0)
        if top > last:
            uow.progress.advance(top)
        uow.commit()
    if tally.erased or tally.unreadable or tally.suppressed:
        log.info(
            "dropped events: %d fenced, %d of erased subjects, %d unreadable",
            tally.suppressed,
            tally.erased,
            tally.unreadable,
        )
    return tally


def _runs(changes: Sequence[Change]) -> Iterator[SplitChange | list[Change]]:
    """Events and merges commute (merges follow profiles to survivors), splits do not: cut there."""
    run: list[Change] = []
    for change in changes:
        if isinstance(change, SplitChange):
            if run:
                yield run
            run = []
            yield change
        else:
            run.append(change)
    if run:
        yield run


def _apply_run(changes: list[Change], uow: AbstractUnitOfWork, tally: Applied) -> None:
    """Merges first (events follow a profile to its survivor), then new events and their traits."""
    merges = [c for c in changes if isinstance(c, MergeChange)]
    events = _first_of_each([c for c in changes if isinstance(c, EventChange)])
    screened = uow.events.screen([c.event for c in events])
    readable = {event.key for event in screened.kept}
    names = {c.profile_id for c in events} | {
        n for m in merges for n in (m.profile_id, *m.absorbed)
    }
    book = ProfileBook(uow.profiles.load(names))
    updates: list[FeedUpdate] = _merge(merges, book)
    absorbed = book.absorbed()
    uow.events.move(absorbed)
    uow.computed.move(absorbed)
    rows = _store([c for c in events if c.event.key in readable], book, uow)
    updates += [recorded(target, event) for target, event in rows]
    incoming = [(target, value) for target, e in rows for value in screened.traits.get(e.key, ())]
    involved = {n for pair in absorbed for n in pair} | {target for target, _ in incoming}
    plan = plan_traits(uow.traits.provenance(involved), book.find, incoming)
    updates += _apply_traits(plan, uow)
    uow.profiles.repoint(absorbed)
    uow.profiles.save(book.touched())
    uow.feed.publish(updates)
    tally.applied += len(merges) + len(rows)
    tally.erased += screened.erased
    tally.unreadable += screened.unreadable


def _store(
    events: list[EventChange], book: ProfileBook, uow: AbstractUnitOfWork
) -> list[tuple[str, IncomingEvent]]:
    """Stores the events not stored yet on the profiles they live in now: (profile, event) each."""
    stored = uow.events.add([(book.find(c.profile_id), c.event) for c in events])
    return [(book.record(c.profile_id, c.event), c.event) for c in events if c.event.key in stored]


def _merge(merges: list[MergeChange], book: ProfileBook) -> list[FeedUpdate]:
    """Applies the merges to the book; one update per merge that joined profiles."""
    updates: list[FeedUpdate] = []
    for merge in merges:
        absorbed = book.merge(merge.profile_id, merge.absorbed)
        if absorbed:
            updates.append(MergeApplied(book.find(merge.profile_id), tuple(absorbed)))
    return updates


def _apply_traits(plan: TraitPlan, uow: AbstractUnitOfWork) -> list[TraitsChanged]:
    """Applies the plan; the traits whose value as segmentation sees it changed."""
    before = uow.traits.public(plan_profiles(plan))
    uow.traits.apply(plan)
    return trait_changes(before, plan)


def _first_of_each(changes: list[EventChange]) -> list[EventChange]:
    """Events are unique per (source, message_id): the first of duplicates in a call counts."""
    first: dict[tuple[str, str], EventChange] = {}
    for change in changes:
        first.setdefault(change.event.key, change)
    return list(first.values())


def _split(change: SplitChange, uow: AbstractUnitOfWork) -> None:
    """Moves the events anchored on the moved identifiers, then recomputes both profiles."""
    book = ProfileBook(uow.profiles.load([change.profile_id, change.new_profile_id]))
    source, target = book.find(change.profile_id), change.new_profile_id
    if source == target:
        return
    uow.events.move_anchored(source, target, change.moved_blind_indexes)
    recompute(book, [source, target], uow)
    uow.profiles.save(book.touched())


def recompute(book: ProfileBook, profile_ids: Sequence[str], uow: AbstractUnitOfWork) -> None:
    """Summaries and traits rebuilt from the events the profiles hold now (split, erasure)."""
    summaries = uow.events.summaries(profile_ids)
    for profile_id in profile_ids:
        summary, state = (
            summaries.get(profile_id) or ProfileState(profile_id),
            book.state(profile_id),
        )
        state.event_count, state.groups = summary.event_count, summary.groups
        state.first_seen, state.last_seen = summary.first_seen, summary.last_seen
    values = uow.events.identify_traits(profile_ids)
    uow.traits.replace({p: newest(v for owner, v in values if owner == p) for p in profile_ids})
    # Events left the profiles: segmentation replaces what it knew of them.
    uow.feed.publish(
        rebuilt(profile_ids, uow.traits.public(profile_ids), uow.events.public(profile_ids))
    )
