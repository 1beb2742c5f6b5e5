"""The identity graph's vocabulary: identifiers as seen, nodes, profiles, records and profile changes."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# These three share one blind-index namespace; previous_id only ever names a user_id or anonymous_id.
ID_TYPES = ("user_id", "anonymous_id")
PREVIOUS_ID = "previous_id"
PROFILE_PREFIX = "profiles/"


class RecordKind(StrEnum):
    CREATE = "CREATE"
    LINK = "LINK"
    MERGE = "MERGE"
    SPLIT = "SPLIT"
    REFUSED = "REFUSED"


class RefusalReason(StrEnum):
    BLOCKED_VALUE = "BLOCKED_VALUE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    SUBJECT_ERASED = "SUBJECT_ERASED"


def new_profile_id() -> str:
    return "p" + uuid.uuid4().hex[:24]


def profile_name(profile_id: str) -> str:
    return PROFILE_PREFIX + profile_id


@dataclass(frozen=True, slots=True)
class SealedIdentifier:
    """An identifier as it arrives: blind index and sealed value, never the value itself."""

    type: str
    blind_index: bytes
    sealed_value: bytes
    subject_id: str
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class Sighting:
    """Identifiers seen together in one message; `payload` is carried to profile untouched."""

    message_id: str
    identifiers: tuple[SealedIdentifier, ...]
    source: str = ""
    subject_id: str = ""
    payload: object = None


@dataclass(slots=True)
class Node:
    """One identifier in the graph, unique on (type, blind_index); blocked nodes belong to nobody."""

    id: int
    type: str
    blind_index: bytes
    sealed_value: bytes
    subject_id: str
    profile_id: str | None
    linked_at: datetime
    message_id: str
    blocked: bool = False
    # The identifier type its value was sealed for when that differs (a previous_id stored as anonymous_id).
    sealed_as: str | None = None


@dataclass(slots=True)
class Profile:
    """A person as the graph knows them; `counts` = identifiers per type, None until loaded."""

    id: str
    seq: int
    counts: Counter[str] | None = None
    merged_into: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """An immutable decision; `sequence` is given when it is stored."""

    kind: RecordKind
    rule: str
    message_id: str
    time: datetime
    before: tuple[str, ...]
    after: str
    node_ids: tuple[int, ...]
    reason: str = ""
    # Refusals repeat on every event of a hot device; one record per (what, where) is enough.
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    type: str
    reason: str
    rule: str


@dataclass(slots=True)
class Resolution:
    """Where one sighting landed."""

    profile_id: str | None
    created: bool = False
    merged: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Identity:
    """An identifier of a profile with its value opened, for authorised readers."""

    type: str
    value: str
    linked_at: datetime
    message_id: str


@dataclass(frozen=True, slots=True)
class ExplainedRecord:
    sequence: int
    kind: RecordKind
    rule: str
    message_id: str
    time: datetime
    before: tuple[str, ...]
    after: str
    identities: tuple[Identity, ...]
    reason: str


# Changes identity sends to profile, in order.
@dataclass(frozen=True, slots=True)
class ProfilesMerged:
    survivor: str
    absorbed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventResolved:
    profile_id: str
    event: object


@dataclass(frozen=True, slots=True)
class ProfileSplit:
    profile_id: str
    new_profile_id: str
    moved_blind_indexes: tuple[bytes, ...]


ProfileChange = ProfilesMerged | EventResolved | ProfileSplit
