"""Whom a data-subject request names, as ingestion asks it: which logged events are theirs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cdp.ingestion.domain.suppression import Keyed, blind_digest, profile_digest, subject_digest
from cdp.pii import subjects


class Subject(subjects.Subject):
    """The shared, validated subject (`Subject.parse`), with what the event log asks of it."""

    @property
    def profiles(self) -> frozenset[str]:
        """The profiles' resource names, as ingestion's restriction entries hold them."""
        return frozenset(f"profiles/{profile_id}" for profile_id in self.profile_ids)

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
        return subjects.request_label(self.request)
