"""Whom a data-subject request names: the validated Subject, its log label, suppression digests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

from cdp.errors import InvalidArgument, field_required, too_many

SUBJECT_ID = re.compile(r"sub_[a-z2-7]{24}")
PROFILE_NAME = re.compile(r"profiles/(p[0-9a-f]{24})")
REQUEST_NAME = re.compile(r"dataSubjectRequests/[A-Za-z0-9_-]{1,64}")
BLIND_INDEX_BYTES = 32
MAX_PER_KIND = 1000
UNNAMED_REQUEST = "(unnamed request)"


@dataclass(frozen=True)
class Subject:
    """Everything that names one data subject; profile ids are bare ("p" + 24 hex), not names.

    Subject ids and blind indexes are keyed HMACs, not personal data: they are what a
    suppression keeps once everything else about the person is gone.
    """

    subject_ids: frozenset[str] = frozenset()
    blind_indexes: frozenset[bytes] = frozenset()
    profile_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Any iterable is accepted (a tuple, a list) so that equal subjects always compare equal.
        for name in ("subject_ids", "blind_indexes", "profile_ids"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))

    @classmethod
    def parse(
        cls, subject_ids: Sequence[str], blind_indexes: Sequence[bytes], profiles: Sequence[str]
    ) -> Self:
        """The `subject` of a request, checked: at most 1,000 of each kind and at least one item.

        INVALID_ARGUMENT names the field ("subject.subject_ids[3]"), never the value.
        """
        for name, items in (
            ("subject_ids", subject_ids),
            ("blind_indexes", blind_indexes),
            ("profiles", profiles),
        ):
            if len(items) > MAX_PER_KIND:
                raise too_many(f"subject.{name}", MAX_PER_KIND)
        if not (subject_ids or blind_indexes or profiles):
            raise field_required("subject")
        return cls(
            _checked("subject.subject_ids", subject_ids, _subject_id, "INVALID_SUBJECT_ID"),
            _checked("subject.blind_indexes", blind_indexes, _blind_index, "INVALID_BLIND_INDEX"),
            _checked("subject.profiles", profiles, _profile_id, "INVALID_PROFILE_NAME"),
        )


def request_label(request: str) -> str:
    """The request's name for log lines; anything not shaped like one is not repeated."""
    return request if REQUEST_NAME.fullmatch(request) else UNNAMED_REQUEST


def suppression_digest(kind: str, value: str | bytes) -> bytes:
    """A suppression entry as stored: SHA-256 over the kind, a NUL byte and the value (UTF-8).

    Entries are digests so that after an erasure no byte string of the subject is left in the
    database, while every later event naming them still hashes to an entry. Each service keeps
    its own kinds: its stored entries were made with them and must keep matching.
    """
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha256(kind.encode() + b"\0" + data).digest()


_SHAPES = {
    "INVALID_SUBJECT_ID": "sub_ and 24 base32 characters",
    "INVALID_BLIND_INDEX": f"exactly {BLIND_INDEX_BYTES} bytes",
    "INVALID_PROFILE_NAME": "profiles/p and 24 hex digits",
}


def _checked(
    field: str, values: Iterable[Any], parse: Callable[[Any], Any | None], reason: str
) -> frozenset[Any]:
    found = set()
    for position, value in enumerate(values):
        parsed = parse(value)
        if parsed is None:
            path = f"{field}[{position}]"
            raise InvalidArgument(reason, f"{path} must be {_SHAPES[reason]}", field=path)
        found.add(parsed)
    return frozenset(found)


def _subject_id(value: str) -> str | None:
    return value if SUBJECT_ID.fullmatch(value) else None


def _blind_index(value: bytes) -> bytes | None:
    return bytes(value) if len(value) == BLIND_INDEX_BYTES else None


def _profile_id(name: str) -> str | None:
    match = PROFILE_NAME.fullmatch(name)
    return match.group(1) if match else None
