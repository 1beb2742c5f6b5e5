"""Blind indexes of the built-in blocked values, so blocked identifiers are known without opening them."""

from __future__ import annotations

import itertools
import threading

from cdp.pii import BlindIndexer
from cdp.pii.normalize import BLOCKED_VALUES

MAX_TYPES = 256


class BlockedIndexes:
    """Per identifier type, the blind index of every spelling of every blocked value (computed once)."""

    def __init__(self, indexer: BlindIndexer) -> None:
        self._indexer = indexer
        self._by_type: dict[str, frozenset[bytes]] = {}
        self._lock = threading.Lock()

    def contains(self, id_type: str, blind_index: bytes) -> bool:
        known = self._by_type.get(id_type)
        if known is None:
            known = self._compute(id_type)
        return blind_index in known

    def _compute(self, id_type: str) -> frozenset[bytes]:
        with self._lock:
            known = self._by_type.get(id_type)
            if known is None:
                if len(self._by_type) >= MAX_TYPES:
                    self._by_type.clear()  # custom types are open-ended; memory is not
                known = frozenset(self._indexer.index(id_type, s) for s in _spellings())
                self._by_type[id_type] = known
            return known


def _spellings() -> set[str]:
    # Normalisation keeps the case of ids, and "NULL" is as blocked as "null".
    spellings: set[str] = set()
    for value in filter(None, BLOCKED_VALUES):
        cases = ({char.lower(), char.upper()} for char in value)
        spellings.update("".join(chars) for chars in itertools.product(*cases))
    return spellings
