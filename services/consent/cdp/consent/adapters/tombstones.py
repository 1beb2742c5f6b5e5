"""The tombstone log: an append-only file beside (not inside) the key store, naming destroyed keys.

A key-store restored from a backup taken before an erasure would bring the destroyed keys back; on
start the service re-applies this log, so restored keys are destroyed again (privacy.md R11, T11).
Entries are Suppressor HMACs of subject ids, never the ids themselves. In production the file lives
on a volume replicated separately from the database (or in the KMS's own audit store).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path


class TombstoneLog:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def append(self, entries: Iterable[bytes]) -> None:
        lines = "".join(f"{entry.hex()}\n" for entry in entries)
        if not lines:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, lines.encode())
                os.fsync(fd)  # on disk before the erasure is acknowledged
            finally:
                os.close(fd)

    def entries(self) -> set[bytes]:
        if not self._path.exists():
            return set()
        return {bytes.fromhex(line) for line in self._path.read_text().split() if line}
