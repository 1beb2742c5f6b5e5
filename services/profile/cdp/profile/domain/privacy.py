"""Data-subject requests in the profile's terms: whom they name, what the fence drops, what is exported."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cdp.pii.subjects import Subject
from cdp.profile.domain.commands import (
    Change,
    EventChange,
    MergeChange,
    profile_name,
)
from cdp.profile.domain.model import (
    ComputedTrait,
    EventType,
    IncomingEvent,
    ProfileState,
    TraitValue,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SubjectRequest:
    """FenceSubject, EraseSubject and ExportSubject: the request name (for logs) and whom."""

    request: str
    subject: Subject


@dataclass(frozen=True)
class RestrictSubject:
    request: str
    subject: Subject
    restricted: bool


class Suppression(Subject):
    """Which of the values one batch names are fenced (a Subject: the fenced part of it)."""

    def __bool__(self) -> bool:
        return bool(self.subject_ids or self.blind_indexes or self.profile_ids)

    def covers(self, event: IncomingEvent, profile_id: str) -> bool:
        return (
            profile_id in self.profile_ids
            or event.subject_id in self.subject_ids
            or not self.subject_ids.isdisjoint(event.identifier_subjects)
            or not self.blind_indexes.isdisjoint(event.blind_indexes)
        )


def named_by(changes: Iterable[Change]) -> Subject:
    """Every subject id, blind index and profile a batch of changes names (what the fence checks)."""
    subjects: set[str] = set()
    blind: set[bytes] = set()
    profiles: set[str] = set()
    for change in changes:
        profiles.add(change.profile_id)
        if isinstance(change, EventChange):
            event = change.event
            subjects.add(event.subject_id)
            subjects.update(event.identifier_subjects)
            blind.update(event.blind_indexes)
        elif isinstance(change, MergeChange):
            profiles.update(change.absorbed)
        else:
            profiles.add(change.new_profile_id)
    subjects.discard("")
    return Subject(frozenset(subjects), frozenset(blind), frozenset(profiles))


def unsuppressed(changes: Sequence[Change], fence: Suppression) -> tuple[list[Change], int]:
    """The changes the fence lets through, and how many events it dropped.

    A merge loses its fenced names (and is dropped when its survivor is fenced); a split that
    names a fenced profile is dropped: either would bring an erased profile back.
    """
    if not fence:
        return list(changes), 0
    kept: list[Change] = []
    dropped = 0
    for change in changes:
        admitted = _admitted(change, fence)
        if admitted is not None:
            kept.append(admitted)
        elif isinstance(change, EventChange):
            dropped += 1
    return kept, dropped


def _admitted(change: Change, fence: Suppression) -> Change | None:
    if isinstance(change, EventChange):
        return None if fence.covers(change.event, change.profile_id) else change
    if isinstance(change, MergeChange):
        return _unfenced_merge(change, fence.profile_ids)
    if {change.profile_id, change.new_profile_id} & fence.profile_ids:
        return None
    return change


def _unfenced_merge(change: MergeChange, fenced: frozenset[str]) -> MergeChange | None:
    if change.profile_id in fenced:
        return None
    absorbed = tuple(name for name in change.absorbed if name not in fenced)
    if not absorbed:
        return None
    return MergeChange(change.sequence, change.profile_id, absorbed)


@dataclass(frozen=True)
class Erasure:
    """Rows erased, and the other profiles that lost rows or bookkeeping (to be recomputed)."""

    profiles: int = 0
    traits: int = 0
    events: int = 0
    computed_traits: int = 0
    touched: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "profiles": self.profiles,
            "traits": self.traits,
            "events": self.events,
            "computed_traits": self.computed_traits,
        }


@dataclass(frozen=True, slots=True)
class ExportedEvent:
    """One stored event with its document rebuilt exactly as sent."""

    profile_id: str
    message_id: str
    type: EventType
    event_name: str
    source: str
    timestamp: int
    receive_time: int
    document: dict[str, Any]


@dataclass
class SubjectData:
    """Everything the profile service holds on a subject, opened."""

    profiles: list[ProfileState] = field(default_factory=list)
    traits: list[tuple[str, TraitValue]] = field(default_factory=list)
    events: list[ExportedEvent] = field(default_factory=list)
    computed_traits: list[tuple[str, ComputedTrait]] = field(default_factory=list)


def export_document(data: SubjectData) -> dict[str, Any]:
    """The profile service's share of an access/portability export (lists empty when none)."""
    return {
        "service": "profile",
        "profiles": [_profile(state) for state in data.profiles],
        "traits": [_trait(owner, value) for owner, value in data.traits],
        "events": [_event(event) for event in data.events],
        "computed_traits": [_computed(owner, trait) for owner, trait in data.computed_traits],
    }


def _profile(state: ProfileState) -> dict[str, Any]:
    return {
        "name": profile_name(state.id),
        "merged_into": profile_name(state.merged_into) if state.merged_into else None,
        "merged_profiles": [profile_name(p) for p in state.merged_profiles],
        "event_count": state.event_count,
        "first_seen_time": _time(state.first_seen),
        "last_seen_time": _time(state.last_seen),
        "groups": list(state.groups),
    }


def _trait(owner: str, value: TraitValue) -> dict[str, Any]:
    provenance = value.provenance
    return {
        "profile": profile_name(owner),
        "key": value.key,
        "value": value.value,
        "personal": value.personal,
        "provenance": {
            "source": provenance.source,
            "message_id": provenance.message_id,
            "event_time": _time(provenance.event_time),
            "receive_time": _time(provenance.receive_time),
        },
    }


def _computed(owner: str, trait: ComputedTrait) -> dict[str, Any]:
    return {
        "profile": profile_name(owner),
        "key": trait.key,
        "value": trait.value,
        "compute_time": _time(trait.compute_time),
    }


def _event(event: ExportedEvent) -> dict[str, Any]:
    return {
        **event.document,  # properties, traits, context, integrations, category, group_id
        "profile": profile_name(event.profile_id),
        "message_id": event.message_id,
        "type": event.type.name.lower(),
        "event": event.event_name,
        "source": event.source,
        "timestamp": _time(event.timestamp),
        "receive_time": _time(event.receive_time),
    }


def _time(micros: int | None) -> str | None:
    """RFC 3339 in UTC with microseconds."""
    if micros is None:
        return None
    moment = _EPOCH + timedelta(microseconds=micros)  # exact, unlike a float of seconds
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
