"""Traits with provenance: extraction from identify events and the newest-event-wins merge."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cdp.pii.documents import merge
from cdp.profile.domain.model import IncomingEvent, Provenance, TraitValue

Personal = list[list[Any]]  # [[path, value], ...] as cdp.pii.documents.Classifier.split returns


def restore(public: Any, personal: Personal) -> Any:
    """Puts personal values back into a public document, re-creating containers left out as empty."""
    for path, _value in personal:
        target = public
        for step, following in itertools.pairwise(path):
            target = _child(target, step, following)
    return merge(public, personal)


def _child(target: Any, step: Any, following: Any) -> Any:
    empty: Any = [] if isinstance(following, int) else {}
    if isinstance(target, dict):
        return target.setdefault(step, empty)
    while len(target) <= step:
        target.append(empty)
        empty = [] if isinstance(following, int) else {}
    return target[step]


def identify_traits(event: IncomingEvent, personal: Personal) -> list[TraitValue]:
    """The traits an identify event sets: public ones as sent, those with personal parts flagged."""
    public = event.public_document().get("traits") or {}
    mine = [[path[1:], value] for path, value in personal if len(path) > 1 and path[0] == "traits"]
    document = restore(public if isinstance(public, dict) else {}, mine)
    personal_keys = {path[0] for path, _ in mine}
    provenance = event.provenance()
    return [
        TraitValue(key, value, key in personal_keys, event.subject_id, provenance)
        for key, value in document.items()
    ]


def newest(values: Iterable[TraitValue]) -> dict[str, TraitValue]:
    """Per key, the value of the newest event (late events never overwrite newer values)."""
    best: dict[str, TraitValue] = {}
    for value in values:
        current = best.get(value.key)
        if current is None or value.provenance.order() > current.provenance.order():
            best[value.key] = value
    return best


@dataclass(frozen=True, slots=True)
class TraitMove:
    """A stored row of an absorbed profile wins: it moves to the target (replacing the target's)."""

    source_profile: str
    target_profile: str
    key: str
    replaces: bool


@dataclass(frozen=True, slots=True)
class TraitWrite:
    """A new value wins: it is written for the profile (update when a row already exists)."""

    profile_id: str
    value: TraitValue
    replaces: bool


@dataclass
class TraitPlan:
    """The row changes that bring stored traits up to date after merges and identify events."""

    moves: list[TraitMove] = field(default_factory=list)
    writes: list[TraitWrite] = field(default_factory=list)
    emptied_profiles: list[str] = field(default_factory=list)


def plan_traits(
    stored: Mapping[str, Mapping[str, Provenance]],
    find: Callable[[str], str],
    incoming: Iterable[tuple[str, TraitValue]],
) -> TraitPlan:
    """Decides every (profile, key) by event time across stored rows, absorbed rows and new values.

    `stored` holds the provenance of every row of the profiles involved (targets and absorbed);
    `find` names the profile a possibly-absorbed profile now lives in.
    """
    best: dict[tuple[str, str], tuple[tuple, str | TraitValue]] = {}
    for profile_id, rows in stored.items():
        target = find(profile_id)
        for key, provenance in rows.items():
            _consider(best, (target, key), provenance.order(), profile_id)
    for profile_id, value in incoming:
        _consider(best, (find(profile_id), value.key), value.provenance.order(), value)
    plan = TraitPlan(emptied_profiles=[p for p in stored if find(p) != p])
    for (target, key), (_order, origin) in best.items():
        replaces = key in stored.get(target, {})
        if isinstance(origin, TraitValue):
            plan.writes.append(TraitWrite(target, origin, replaces))
        elif origin != target:
            plan.moves.append(TraitMove(origin, target, key, replaces))
    return plan


def _consider(best: dict, slot: tuple[str, str], order: tuple, origin: str | TraitValue) -> None:
    current = best.get(slot)
    if current is None or order > current[0]:
        best[slot] = (order, origin)
