"""Whom a data-subject request names, checked at the edge, and which logged events are theirs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cdp.errors import InvalidArgument, field_required, too_many
from cdp.ingestion.domain.suppression import Keyed, blind_digest, profile_digest, subject_digest

SUBJECT_ID = re.compile(r"sub_[a-z2-7]{24}")
PROFILE_NAME = re.compile(r"profiles/p[0-9a-f]{24}")
REQUEST_NAME = re.compile(r"dataSubjectRequests/[A-Za-z0-9_-]{1,64}")
BLIND_INDEX_BYTES = 32
MAX_PER_KIND = 1000


@dataclass(frozen=True)
class Subject:
    """Everything that names one data subject: subject ids, blind indexes, profile names."""

    subject_ids: frozenset[str]
    blind_indexes: frozenset[bytes]
    profiles: frozenset[str] = frozenset()

    @classmethod
    def parse(
        cls, subject_ids: Sequence[str], blind_indexes: Sequence[bytes], profiles: Sequence[str]
    ) -> Subject:
        """Validates each kind (format, at most 1,000); errors name the field, never the value."""
        if not (subject_ids or blind_indexes or profiles):
            raise field_required("subject")
        _check("subject.subject_ids", subject_ids, _is_subject_id, "INVALID_SUBJECT_ID")
        _check("subject.blind_indexes", blind_indexes, _is_blind_index, "INVALID_BLIND_INDEX")
        _check("subject.profiles", profiles, _is_profile, "INVALID_PROFILE_NAME")
        return cls(frozenset(subject_ids), frozenset(blind_indexes), frozenset(profiles))

    def owns(self, subject_id: str, identifiers: Iterable[Keyed]) -> bool:
        """An event is the subject's when it names them, or any identifier it carries does."""
        if subject_id in self.subject_ids:
            return True
        return any(self.names(identifier) for identifier in identifiers)

    def names(self, identifier: Keyed) -> bool:
        return (
            identifier.blind_index in self.blind_indexes
            or identifier.subject_id in self.subject_ids
        )

    def needles(self) -> list[bytes]:
        """Byte strings at least one of which a logged batch holding their events contains."""
        return sorted(self.blind_indexes) + sorted(s.encode() for s in self.subject_ids)

    def suppression_digests(self) -> set[bytes]:
        return {blind_digest(b) for b in self.blind_indexes} | {
            subject_digest(s) for s in self.subject_ids
        }

    def restriction_digests(self) -> set[bytes]:
        return self.suppression_digests() | {profile_digest(p) for p in self.profiles}


@dataclass(frozen=True)
class SubjectRequest:
    """One participant call of a data-subject request: its name (logged) and whom it names."""

    request: str
    subject: Subject
    restricted: bool = False

    @property
    def log_name(self) -> str:
        """The request's name when it has the expected shape; anything else is not logged."""
        return self.request if REQUEST_NAME.fullmatch(self.request) else "(unnamed request)"


def _check(field: str, values: Sequence[Any], valid: Callable[[Any], bool], reason: str) -> None:
    if len(values) > MAX_PER_KIND:
        raise too_many(field, MAX_PER_KIND)
    for position, value in enumerate(values):
        if not valid(value):
            path = f"{field}[{position}]"
            raise InvalidArgument(reason, f"{path} is not well-formed", field=path)


def _is_subject_id(value: str) -> bool:
    return SUBJECT_ID.fullmatch(value) is not None


def _is_blind_index(value: bytes) -> bool:
    return len(value) == BLIND_INDEX_BYTES


def _is_profile(value: str) -> bool:
    return PROFILE_NAME.fullmatch(value) is not None
