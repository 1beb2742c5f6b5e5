"""What the use cases need from the outside: repositories and the identity service."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cdp.pii.subjects import Subject
from cdp.profile.domain.commands import ComputedTraitChange, IdentifierRef, ListProfileEvents
from cdp.profile.domain.feed import EventRecorded, FeedUpdate, PublicTrait
from cdp.profile.domain.model import (
    ComputedTrait,
    Identity,
    IncomingEvent,
    ProfileState,
    Provenance,
    TimelineEvent,
    TraitValue,
)
from cdp.profile.domain.paging import Cursor
from cdp.profile.domain.privacy import Erasure, SubjectData, Suppression
from cdp.profile.domain.traits import TraitPlan


class IdentityDirectory(Protocol):
    """The identity service, as the profile service sees it."""

    def lookup_profile(self, identifier: IdentifierRef) -> str:
        """The id of the profile that holds the identifier (IdentifierNotFound otherwise)."""
        ...

    def request_identities(
        self, profile_ids: Sequence[str]
    ) -> Callable[[], dict[str, list[Identity]]]:
        """Starts asking for each profile's identifiers (merged-away names are followed);
        the returned callable waits for the answers, so the caller can read meanwhile."""
        ...


class ProfileRepository(Protocol):
    def load(self, profile_ids: Iterable[str]) -> dict[str, ProfileState]:
        """Stored states of these profiles and of the profiles they were merged into."""
        ...

    def current(self, profile_ids: Iterable[str]) -> dict[str, ProfileState]:
        """Requested id -> the live profile it names now (merged-away names followed)."""
        ...

    def save(self, states: Sequence[ProfileState]) -> None: ...

    def repoint(self, absorbed: Sequence[tuple[str, str]]) -> None:
        """Profiles that forwarded to an absorbed profile now forward to where it lives."""
        ...


@dataclass
class Screened:
    """Events that can be stored, the traits of the identify ones, and how many were dropped."""

    kept: list[IncomingEvent] = field(default_factory=list)
    traits: dict[tuple[str, str], list[TraitValue]] = field(default_factory=dict)
    erased: int = 0
    unreadable: int = 0


class EventRepository(Protocol):
    def screen(self, events: Sequence[IncomingEvent]) -> Screened: ...

    def add(self, rows: Sequence[tuple[str, IncomingEvent]]) -> set[tuple[str, str]]:
        """Stores the events not stored yet (unique per source and message id); their keys."""
        ...

    def move(self, moves: Sequence[tuple[str, str]]) -> None: ...

    def move_anchored(self, source: str, target: str, anchors: Sequence[bytes]) -> None: ...

    def summaries(self, profile_ids: Sequence[str]) -> dict[str, ProfileState]: ...

    def identify_traits(self, profile_ids: Sequence[str]) -> list[tuple[str, TraitValue]]: ...

    def page(
        self, profile_id: str, query: ListProfileEvents, after: Cursor | None
    ) -> tuple[list[TimelineEvent], Cursor | None]: ...

    def public(self, profile_ids: Sequence[str]) -> dict[str, list[EventRecorded]]:
        """The profiles' events without personal values, oldest first (nothing is opened)."""
        ...


class TraitRepository(Protocol):
    def provenance(self, profile_ids: Iterable[str]) -> dict[str, dict[str, Provenance]]: ...

    def apply(self, plan: TraitPlan) -> None: ...

    def replace(self, values: Mapping[str, Mapping[str, TraitValue]]) -> None: ...

    def for_profiles(self, profile_ids: Iterable[str]) -> dict[str, list[TraitValue]]: ...

    def public(self, profile_ids: Iterable[str]) -> dict[str, dict[str, PublicTrait]]:
        """Profile -> key -> stored trait without personal values (nothing is opened)."""
        ...


class ComputedTraitRepository(Protocol):
    def apply(self, changes: Sequence[ComputedTraitChange]) -> int:
        """Stores values newer than (or as new as) the stored ones and removals; how many changed."""
        ...

    def move(self, absorbed: Sequence[tuple[str, str]]) -> None:
        """Absorbed profiles' values go to where they live now; per key the newest stays."""
        ...

    def for_profiles(self, profile_ids: Iterable[str]) -> dict[str, list[ComputedTrait]]: ...


class ProfileFeed(Protocol):
    """Updates for segmentation, written to the outbox in the unit of work's own transaction."""

    def publish(self, updates: Sequence[FeedUpdate]) -> None:
        """Queues updates; commit() writes everything queued as one outbox entry."""
        ...

    def forget(self, profile_ids: Collection[str], subject_ids: Collection[str]) -> int:
        """Rewrites undelivered entries without anything of these profiles or subjects (erasure);
        how many updates were dropped or cut."""
        ...


class Progress(Protocol):
    def last_sequence(self) -> int: ...

    def advance(self, sequence: int) -> None: ...


class SuppressionRepository(Protocol):
    """The fence: what may never be applied again."""

    def add(self, subject: Subject) -> int:
        """Fences every value the subject names; how many entries were new."""
        ...

    def matching(self, named: Subject) -> Suppression:
        """Which of these values are fenced."""
        ...


class RestrictionRepository(Protocol):
    def set(self, subject: Subject, restricted: bool) -> int:
        """Records or lifts the restriction of every value; how many records changed."""
        ...

    def forget(self, subject: Subject, profile_ids: Iterable[str]) -> None:
        """Deletes the restriction records that name the subject (erasure)."""
        ...

    def blocking(self, requested: Sequence[str], states: Mapping[str, ProfileState]) -> str | None:
        """The first requested id whose profile belongs to a restricted subject, if any."""
        ...


class SubjectRepository(Protocol):
    def profile_ids(self, named: Iterable[str]) -> list[str]:
        """The named profiles plus every profile that forwards to one of them."""
        ...

    def erase(self, profile_ids: Sequence[str], subject_ids: Collection[str]) -> Erasure:
        """Deletes the profiles, their rows, and every row sealed under the subject ids."""
        ...

    def export(self, profile_ids: Sequence[str], subject_ids: Collection[str]) -> SubjectData: ...
