"""What the profile feed tells segmentation: events, trait values, merges and rebuilt profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EventRecorded:
    profile_id: str
    subject_id: str
    source: str
    message_id: str
    type: int
    name: str
    time: int  # microseconds since the epoch
    properties: dict[str, Any] = field(default_factory=dict)  # non-personal only


@dataclass(frozen=True)
class TraitValue:
    key: str
    value: Any  # None for personal traits: segmentation only learns that they exist
    personal: bool
    subject_id: str


@dataclass(frozen=True)
class TraitsChanged:
    profile_id: str
    traits: tuple[TraitValue, ...]


@dataclass(frozen=True)
class MergeApplied:
    profile_id: str
    absorbed: tuple[str, ...]


@dataclass(frozen=True)
class Rebuilt:
    profile_id: str
    traits: tuple[TraitValue, ...]
    events: tuple[EventRecorded, ...]


Change = EventRecorded | TraitsChanged | MergeApplied | Rebuilt


@dataclass(frozen=True)
class Update:
    sequence: int
    change: Change


@dataclass
class Touched:
    """What a batch of updates changed, so that only the segments it can affect are re-checked."""

    profiles: set[str] = field(default_factory=set)
    trait_keys: set[str] = field(default_factory=set)
    event_names: set[str] = field(default_factory=set)
    # Profiles whose make-up changed (merged, rebuilt, new subjects): everything about them, and
    # their consent, is re-checked.
    reshaped: set[str] = field(default_factory=set)
    absorbed: set[str] = field(default_factory=set)

    def add_event(self, event: EventRecorded) -> None:
        self.profiles.add(event.profile_id)
        self.event_names.add(event.name)
