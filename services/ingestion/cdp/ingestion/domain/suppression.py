"""The suppression set: digests of erased subjects' blind indexes and subject ids, held in memory."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from typing import Protocol

from cdp.pii.subjects import suppression_digest

# The kinds ingestion's stored entries were made with (cdp.pii.subjects.suppression_digest).
_BLIND = "cdp.suppression.blind"
_SUBJECT = "cdp.suppression.subject"
_PROFILE = "cdp.suppression.profile"


class Keyed(Protocol):
    """A sealed identifier as logged (the domain's or the wire's): what names its subject."""

    blind_index: bytes
    subject_id: str


@functools.lru_cache(maxsize=65536)
def blind_digest(blind_index: bytes) -> bytes:
    # Cached: the same people recur batch after batch.
    return suppression_digest(_BLIND, blind_index)


@functools.lru_cache(maxsize=65536)
def subject_digest(subject_id: str) -> bytes:
    return suppression_digest(_SUBJECT, subject_id)


def profile_digest(profile: str) -> bytes:
    return suppression_digest(_PROFILE, profile)


class SuppressionList:
    """The persisted entries (seq, digest, log_seq) loaded so far; the database stays the truth.

    `seq` is the last entry loaded, so a reader catches up with one range query; `horizon` is the
    last event-log entry written before any fence, the only entries that can hold fenced events.
    """

    def __init__(self) -> None:
        self._digests: set[bytes] = set()
        self.seq = 0
        self.horizon = 0
        self._lock = threading.Lock()

    def extend(self, rows: Iterable[tuple[int, bytes, int]]) -> None:
        with self._lock:
            for seq, digest, log_seq in rows:
                if seq > self.seq:
                    self._digests.add(digest)
                    self.seq = seq
                    self.horizon = max(self.horizon, log_seq)

    def __len__(self) -> int:
        return len(self._digests)

    def blocks_key(self, blind_index: bytes, subject_id: str) -> bool:
        digests = self._digests
        return bool(digests) and (
            blind_digest(blind_index) in digests or subject_digest(subject_id) in digests
        )

    def blocks(self, subject_id: str, identifiers: Iterable[Keyed]) -> bool:
        """An event is refused when its subject, or any identifier it carries, is suppressed."""
        digests = self._digests
        if not digests:
            return False
        if subject_digest(subject_id) in digests:
            return True
        return any(
            self.blocks_key(identifier.blind_index, identifier.subject_id)
            for identifier in identifiers
        )
