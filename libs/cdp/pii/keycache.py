"""A bounded, TTL-limited cache in front of the key service (keys stay in memory only briefly)."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence

from cdp.pii.vault import SubjectKey

log = logging.getLogger("cdp.pii.keys")

Fetch = Callable[[Sequence[str], bool], dict[str, SubjectKey]]
# Reports encryptions per (subject id, key version); answers the subjects whose key was rotated.
Report = Callable[[dict[tuple[str, int], int]], list[str]]


class CachedKeySource:
    """Caches data keys for `ttl` seconds (bounded, LRU) so erasure reaches every cache within ttl."""

    def __init__(
        self,
        fetch: Fetch,
        ttl: float = 30.0,
        max_entries: int = 100_000,
        report: Report | None = None,
        report_every: int = 10_000,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[float, SubjectKey]] = OrderedDict()
        self._lock = threading.Lock()
        self._report = report
        self._report_every = report_every
        self._uses: Counter[tuple[str, int]] = Counter()

    def record_use(self, subject_id: str, version: int) -> None:
        """Counts an encryption; every `report_every` of them go to the key service in one call
        (persisted in batches: a crash loses at most that many counts of a 2^30 budget)."""
        if self._report is None:
            return
        with self._lock:
            self._uses[(subject_id, version)] += 1
            due = sum(self._uses.values()) >= self._report_every
        if due:
            self.flush_usage()

    def flush_usage(self) -> None:
        with self._lock:
            uses, self._uses = self._uses, Counter()
        if not uses or self._report is None:
            return
        try:
            rotated = self._report(dict(uses))
        except Exception as exc:
            log.warning(
                "key usage report failed (%s); counts kept for the next one", type(exc).__name__
            )
            with self._lock:
                self._uses.update(uses)
            return
        self.invalidate(rotated)  # rotated keys are fetched afresh

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
