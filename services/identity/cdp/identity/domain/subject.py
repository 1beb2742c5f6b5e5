"""Identity's data-subject requests and what it holds on a subject (cdp.pii.subjects names them)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime

from cdp.errors import value_too_long
from cdp.identity.domain.commands import PlainIdentifier
from cdp.identity.domain.model import ExplainedRecord, Record
from cdp.pii.subjects import Subject

MAX_RESOLVE_IDENTIFIERS = 50
MAX_RESOLVE_PROFILES = 50
MAX_REQUEST_NAME = 256


@dataclass(frozen=True)
class ResolveSubject:
    identifiers: tuple[PlainIdentifier, ...]
    profile_ids: tuple[str, ...]


@dataclass(frozen=True)
class SubjectRequest:
    """Fence, erase or export: the data-subject request's name (for logs) and whom it names."""

    request: str
    subject: Subject


@dataclass(frozen=True)
class RestrictSubject:
    request: str
    subject: Subject
    restricted: bool


@dataclass(frozen=True)
class HeldProfile:
    id: str
    created: datetime
    merged_into: str | None


@dataclass(frozen=True)
class HeldIdentity:
    """An identifier node of the subject; value is None when it can no longer be opened (key destroyed)."""

    type: str
    value: str | None
    profile_id: str
    linked_at: datetime
    message_id: str


@dataclass(frozen=True)
class Restriction:
    kind: str  # "subject_id", "blind_index" or "profile"
    key: str | bytes


@dataclass(frozen=True)
class SubjectExport:
    """What identity holds on a subject; records are cut down to the subject's own profiles and nodes."""

    profiles: list[HeldProfile] = field(default_factory=list)
    identities: list[HeldIdentity] = field(default_factory=list)
    records: list[ExplainedRecord] = field(default_factory=list)
    restrictions: list[Restriction] = field(default_factory=list)


# Erasure counts, by kind of thing deleted or rewritten; every kind is reported, zero included.
ERASE_KINDS = (
    "identifiers",
    "profiles",
    "merge_records",
    "merge_records_rewritten",
    "split_requests",
    "outbox_events",
    "outbox_changes",
    "outbox_entries_deleted",
    "outbox_entries_rewritten",
    "restrictions",
)


def without_person(
    record: Record, profile_ids: Collection[str], node_ids: Collection[int]
) -> Record | None:
    """What a record keeps once the person is erased; None when it was about nobody else.

    A record between the person and someone else (a split, a refused link) is also the other
    person's history, so it is kept without the person's profiles and nodes. Its dedupe key is a
    hash over an identifier's blind index and both profiles, so it goes too.
    """
    before = tuple(p for p in record.before if p not in profile_ids)
    after = "" if record.after in profile_ids else record.after
    if not before and not after:
        return None
    nodes = tuple(n for n in record.node_ids if n not in node_ids)
    return replace(record, before=before, after=after, node_ids=nodes, dedupe_key=None)


def names_person(record: Record, profile_ids: Collection[str], node_ids: Collection[int]) -> bool:
    return bool(
        set(profile_ids).intersection((*record.before, record.after))
        or set(node_ids).intersection(record.node_ids)
    )


def check_request_name(name: str, field_name: str = "request") -> str:
    if len(name) > MAX_REQUEST_NAME:
        raise value_too_long(field_name, MAX_REQUEST_NAME)
    return name
