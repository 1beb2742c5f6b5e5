"""Commands and queries of the profile service, validated on construction of their parts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cdp.errors import InvalidArgument, field_required, value_too_long
from cdp.profile.domain.errors import InvalidProfileName, UnknownFieldPath
from cdp.profile.domain.model import ComputedTrait, EventType, IncomingEvent

PROFILE_FIELDS = frozenset(
    {
        "name",
        "traits",
        "computed_traits",
        "identities",
        "merged_profiles",
        "groups",
        "event_count",
        "first_seen_time",
        "last_seen_time",
    }
)
_PROFILE_NAME = re.compile(r"^profiles/(p[0-9a-f]{24})$")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_BATCH_GET = 100
MAX_COMPUTED_KEY = 256  # characters, as stored


def profile_id(name: str, field: str) -> str:
    """The id in profiles/{id}; a malformed name is INVALID_ARGUMENT naming `field`."""
    match = _PROFILE_NAME.match(name)
    if match is None:
        raise InvalidProfileName(field)
    return match.group(1)


def profile_name(profile_id: str) -> str:
    return f"profiles/{profile_id}"


def read_mask(paths: Iterable[str], field: str = "read_mask") -> frozenset[str]:
    fields = frozenset(paths)
    if not fields <= PROFILE_FIELDS:
        raise UnknownFieldPath(field)
    return fields


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument(
            "INVALID_PAGE_SIZE", "page_size must not be negative", field="page_size"
        )
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class EventChange:
    sequence: int
    profile_id: str
    event: IncomingEvent


@dataclass(frozen=True, slots=True)
class MergeChange:
    sequence: int
    profile_id: str
    absorbed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SplitChange:
    sequence: int
    profile_id: str
    new_profile_id: str
    moved_blind_indexes: tuple[bytes, ...]


Change = EventChange | MergeChange | SplitChange


@dataclass(frozen=True)
class ApplyChanges:
    changes: tuple[Change, ...]


def computed_key(key: str, field: str) -> str:
    if not key:
        raise field_required(field)
    if len(key) > MAX_COMPUTED_KEY:
        raise value_too_long(field, MAX_COMPUTED_KEY)
    return key


@dataclass(frozen=True, slots=True)
class ComputedTraitChange:
    """A computed trait's new value for a profile, or its removal (trait None)."""

    profile_id: str
    key: str
    trait: ComputedTrait | None


@dataclass(frozen=True)
class ApplyComputedTraits:
    values: tuple[ComputedTraitChange, ...]


@dataclass(frozen=True, slots=True)
class IdentifierRef:
    type: str
    value: str


@dataclass(frozen=True)
class GetProfile:
    """By profile id or by identifier (exactly one is set)."""

    profile_id: str | None
    identifier: IdentifierRef | None
    fields: frozenset[str]


@dataclass(frozen=True)
class BatchGetProfiles:
    profile_ids: tuple[str, ...]
    fields: frozenset[str]


@dataclass(frozen=True)
class ListProfileEvents:
    profile_id: str
    page_size: int
    page_token: str
    types: frozenset[EventType]
    start_time: int | None
    end_time: int | None
