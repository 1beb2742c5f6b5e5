"""The profile's domain objects: incoming events, traits with provenance, read models."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any


class EventType(enum.IntEnum):
    """The Segment-spec message kinds (numbers match the wire enum)."""

    UNSPECIFIED = 0
    IDENTIFY = 1
    TRACK = 2
    PAGE = 3
    SCREEN = 4
    GROUP = 5
    ALIAS = 6


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a trait value came from; times are microseconds since the epoch."""

    source: str
    message_id: str
    event_time: int
    receive_time: int

    def order(self) -> tuple[int, int, str, str]:
        """Newest event time wins, ties go to the later receive; the ids make merges commute."""
        return (self.event_time, self.receive_time, self.source, self.message_id)


@dataclass(frozen=True, slots=True)
class TraitValue:
    """One trait value (opened) with its provenance and the data subject that owns it."""

    key: str
    value: Any
    personal: bool
    subject_id: str
    provenance: Provenance


@dataclass(slots=True)  # not frozen: a batch builds thousands, and frozen init is slower
class IncomingEvent:
    """A sealed event as identity forwards it; personal values stay sealed until the repository."""

    message_id: str
    source: str
    type: EventType
    event_name: str
    timestamp: int
    receive_time: int
    subject_id: str
    anchor: bytes
    public_json: bytes
    sealed_pii: bytes
    # Every identifier the event carries (blind index, its subject id): the fence checks them all.
    blind_indexes: tuple[bytes, ...] = ()
    identifier_subjects: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.message_id)

    def provenance(self) -> Provenance:
        return Provenance(self.source, self.message_id, self.timestamp, self.receive_time)

    def public_document(self) -> dict[str, Any]:
        document = json.loads(self.public_json or b"{}")
        return document if isinstance(document, dict) else {}

    def group_id(self) -> str:
        if self.type != EventType.GROUP:
            return ""
        return str(self.public_document().get("group_id") or "")


@dataclass(frozen=True, slots=True)
class Identity:
    """One identifier of a person, as identity reports it (value opened for the caller)."""

    type: str
    value: str
    link_time: int
    message_id: str


@dataclass
class ProfileState:
    """A profile's stored summary: counts, first/last seen, groups and the profiles it absorbed."""

    id: str
    merged_into: str | None = None
    event_count: int = 0
    first_seen: int | None = None
    last_seen: int | None = None
    groups: list[str] = field(default_factory=list)
    merged_profiles: list[str] = field(default_factory=list)
    stored: bool = False

    def record(self, timestamp: int, group_id: str = "") -> None:
        self.event_count += 1
        self.first_seen = timestamp if self.first_seen is None else min(self.first_seen, timestamp)
        self.last_seen = timestamp if self.last_seen is None else max(self.last_seen, timestamp)
        if group_id and group_id not in self.groups:
            self.groups.append(group_id)

    def absorb(self, other: ProfileState) -> None:
        """Takes over another profile's summary; the other becomes an empty forwarding name."""
        self.event_count += other.event_count
        self.first_seen = _earliest(self.first_seen, other.first_seen)
        self.last_seen = _latest(self.last_seen, other.last_seen)
        self.groups.extend(g for g in other.groups if g not in self.groups)
        for name in (other.id, *other.merged_profiles):
            if name not in self.merged_profiles and name != self.id:
                self.merged_profiles.append(name)
        other.merged_into = self.id
        other.event_count, other.first_seen, other.last_seen = 0, None, None
        other.groups, other.merged_profiles = [], []


@dataclass(frozen=True, slots=True)
class ComputedTrait:
    """A value segmentation computed for a profile; compute_time in microseconds since the epoch.

    Computed from segmentation's read model, which holds no personal values, so it is stored plain.
    """

    key: str
    value: Any
    compute_time: int


@dataclass(frozen=True)
class ProfileView:
    """What GetProfile returns; `fields` says which parts were asked for (empty = all)."""

    state: ProfileState
    traits: list[TraitValue]
    identities: list[Identity]
    fields: frozenset[str]
    computed_traits: list[ComputedTrait] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One event of a timeline with its documents rebuilt exactly as sent."""

    id: int
    message_id: str
    type: EventType
    event_name: str
    properties: dict[str, Any]
    traits: dict[str, Any]
    context: dict[str, Any]
    timestamp: int
    receive_time: int
    source: str
    category: str
    group_id: str


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
