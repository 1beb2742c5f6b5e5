"""A bounded, TTL-limited cache in front of the key service (keys stay in memory only briefly)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from cdp.pii.vault import SubjectKey

Fetch = Callable[[Sequence[str], bool], dict[str, SubjectKey]]


class CachedKeySource:
    """Caches data keys for `ttl` seconds (bounded, LRU) so erasure reaches every cache within ttl."""

    def __init__(self, fetch: Fetch, ttl: float = 30.0, max_entries: int = 100_000) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[float, SubjectKey]] = OrderedDict()
        self._lock = threading.Lock()

    def get_keys(self, subject_ids: Sequence[str], create: bool) -> dict[str, SubjectKey]:
        found, missing = self._lookup(subject_ids)
        if missing:
            fetched = self._fetch(missing, create)
            self._store(fetched)
            found.update(fetched)
        return found

    def invalidate(self, subject_ids: Sequence[str] | None = None) -> None:
        with self._lock:
            if subject_ids is None:
                self._entries.clear()
            for subject_id in subject_ids or ():
                self._entries.pop(subject_id, None)

    def _lookup(self, subject_ids: Sequence[str]) -> tuple[dict[str, SubjectKey], list[str]]:
        now = time.monotonic()
        found: dict[str, SubjectKey] = {}
        missing: list[str] = []
        with self._lock:
            for subject_id in subject_ids:
                entry = self._entries.get(subject_id)
                if entry is not None and entry[0] > now:
                    found[subject_id] = entry[1]
                else:
                    missing.append(subject_id)
        return found, missing

    def _store(self, keys: dict[str, SubjectKey]) -> None:
        expires = time.monotonic() + self._ttl
        with self._lock:
            for subject_id, key in keys.items():
                self._entries[subject_id] = (expires, key)
                self._entries.move_to_end(subject_id)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
