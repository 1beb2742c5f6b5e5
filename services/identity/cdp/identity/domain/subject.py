"""A data subject as privacy requests name it (subject ids, blind indexes, profiles) and what identity holds.

Subject ids and blind indexes are keyed HMACs, not personal data: they are what a suppression keeps.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from cdp.errors import InvalidArgument, field_required, too_many, value_too_long
from cdp.identity.domain.commands import BLIND_INDEX_BYTES, PlainIdentifier, profile_id_of
from cdp.identity.domain.model import ExplainedRecord, Record

MAX_SUBJECT_ITEMS = 1000
MAX_RESOLVE_IDENTIFIERS = 50
MAX_RESOLVE_PROFILES = 50
MAX_REQUEST_NAME = 256
_SUBJECT_ID = re.compile(r"^sub_[a-z2-7]{24}$")


@dataclass(frozen=True)
class Subject:
    """Everything that names one person; profile ids are bare ("p" + 24 hex), never resource names."""

    subject_ids: frozenset[str] = frozenset()
    blind_indexes: frozenset[bytes] = frozenset()
    profile_ids: frozenset[str] = frozenset()

    def __or__(self, other: Subject) -> Subject:
        return Subject(
            self.subject_ids | other.subject_ids,
            self.blind_indexes | other.blind_indexes,
            self.profile_ids | other.profile_ids,
        )

    def is_empty(self) -> bool:
        return not (self.subject_ids or self.blind_indexes or self.profile_ids)


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


def subject_of(
    subject_ids: Sequence[str],
    blind_indexes: Sequence[bytes],
    profiles: Sequence[str],
    field_name: str = "subject",
) -> Subject:
    """Validates a requested subject (errors name the field, never the value); at least one item."""
    for items, name in ((subject_ids, "subject_ids"), (blind_indexes, "blind_indexes")):
        if len(items) > MAX_SUBJECT_ITEMS:
            raise too_many(f"{field_name}.{name}", MAX_SUBJECT_ITEMS)
    if len(profiles) > MAX_SUBJECT_ITEMS:
        raise too_many(f"{field_name}.profiles", MAX_SUBJECT_ITEMS)
    subject = Subject(
        frozenset(_subject_ids(subject_ids, f"{field_name}.subject_ids")),
        frozenset(_blind_indexes(blind_indexes, f"{field_name}.blind_indexes")),
        frozenset(
            profile_id_of(name, f"{field_name}.profiles[{n}]") for n, name in enumerate(profiles)
        ),
    )
    if subject.is_empty():
        raise field_required(field_name)
    return subject


def check_request_name(name: str, field_name: str = "request") -> str:
    if len(name) > MAX_REQUEST_NAME:
        raise value_too_long(field_name, MAX_REQUEST_NAME)
    return name


def _subject_ids(values: Sequence[str], field_name: str) -> Iterable[str]:
    for n, value in enumerate(values):
        if not _SUBJECT_ID.match(value):
            raise InvalidArgument(
                "INVALID_SUBJECT_ID",
                "a subject id is sub_ followed by 24 base32 characters",
                field=f"{field_name}[{n}]",
            )
        yield value


def _blind_indexes(values: Sequence[bytes], field_name: str) -> Iterable[bytes]:
    for n, value in enumerate(values):
        if len(value) != BLIND_INDEX_BYTES:
            raise InvalidArgument(
                "INVALID_BLIND_INDEX", "a blind index is 32 bytes", field=f"{field_name}[{n}]"
            )
        yield bytes(value)
