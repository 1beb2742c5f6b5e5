"""What segmentation learns from the profile service: stored events, changed traits, merges, rebuilds.

Only non-personal content is ever put here: event properties as profile keeps them in plaintext, and
trait values except personal ones, which travel as "present" (value None, personal=True).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cdp.profile.domain.model import EventType, IncomingEvent, TraitValue
from cdp.profile.domain.traits import TraitPlan


@dataclass(frozen=True, slots=True)
class PublicTrait:
    """A trait as segmentation sees it: personal values are never included."""

    key: str
    value: Any
    personal: bool
    subject_id: str

    @classmethod
    def of(cls, trait: TraitValue) -> PublicTrait:
        return cls(
            trait.key, None if trait.personal else trait.value, trait.personal, trait.subject_id
        )


@dataclass(frozen=True, slots=True)
class EventRecorded:
    """An event stored on a profile (the survivor, after merges), without its personal values."""

    profile_id: str
    subject_id: str
    source: str
    message_id: str
    type: EventType
    event_name: str
    event_time: int
    properties: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TraitsChanged:
    profile_id: str
    traits: tuple[PublicTrait, ...]


@dataclass(frozen=True, slots=True)
class MergeApplied:
    profile_id: str
    absorbed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProfileRebuilt:
    """Everything a profile holds now, replacing what segmentation knew of it."""

    profile_id: str
    traits: tuple[PublicTrait, ...]
    events: tuple[EventRecorded, ...]


FeedUpdate = EventRecorded | TraitsChanged | MergeApplied | ProfileRebuilt


def recorded(profile_id: str, event: IncomingEvent) -> EventRecorded:
    properties = event.public_document().get("properties")
    return EventRecorded(
        profile_id,
        event.subject_id,
        event.source,
        event.message_id,
        event.type,
        event.event_name,
        event.timestamp,
        properties if isinstance(properties, dict) else {},
    )


def plan_profiles(plan: TraitPlan) -> set[str]:
    """Profiles whose stored traits a plan reads or changes (targets and move sources)."""
    found = {write.profile_id for write in plan.writes}
    found.update(n for move in plan.moves for n in (move.source_profile, move.target_profile))
    return found


def trait_changes(
    before: Mapping[str, Mapping[str, PublicTrait]], plan: TraitPlan
) -> list[TraitsChanged]:
    """Per target profile, the traits whose value as segmentation sees it differs after the plan.

    `before` holds the stored traits of plan_profiles(plan) as they were before it was applied.
    """
    after: dict[str, dict[str, PublicTrait]] = {}
    for move in plan.moves:
        moved = before.get(move.source_profile, {}).get(move.key)
        if moved is not None:
            after.setdefault(move.target_profile, {})[move.key] = moved
    for write in plan.writes:
        after.setdefault(write.profile_id, {})[write.value.key] = PublicTrait.of(write.value)
    changes = []
    for profile_id, values in sorted(after.items()):
        old = before.get(profile_id, {})
        changed = tuple(t for key, t in sorted(values.items()) if old.get(key) != t)
        if changed:
            changes.append(TraitsChanged(profile_id, changed))
    return changes


def rebuilt(
    profile_ids: Iterable[str],
    traits: Mapping[str, Mapping[str, PublicTrait]],
    events: Mapping[str, Iterable[EventRecorded]],
) -> list[ProfileRebuilt]:
    return [
        ProfileRebuilt(
            profile_id,
            tuple(t for _key, t in sorted(traits.get(profile_id, {}).items())),
            tuple(events.get(profile_id, ())),
        )
        for profile_id in profile_ids
    ]
