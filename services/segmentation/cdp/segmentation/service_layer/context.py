"""What the use cases share: the database, the consent authority, the clock and the wake-ups."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine

# One writer at a time changes membership, so versions stay consecutive per segment.
MEMBERSHIP_LOCK = 0x5E6_0001


class ConsentChecker(Protocol):
    def check(
        self, profile_ids: Sequence[str], purposes: Sequence[str]
    ) -> dict[tuple[str, str], bool] | None: ...


class Notifier:
    """Wakes watch streams when membership changes were committed."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0

    def pulse(self) -> None:
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def generation(self) -> int:
        with self._condition:
            return self._generation

    def wait(self, seen: int, timeout: float) -> int:
        """Blocks until a pulse after generation `seen` (or timeout); returns the generation."""
        with self._condition:
            self._condition.wait_for(lambda: self._generation != seen, timeout)
            return self._generation


def now_micros() -> int:
    return time.time_ns() // 1000


@dataclass(frozen=True)
class Context:
    engine: Engine
    consent: ConsentChecker
    notifier: Notifier = field(default_factory=Notifier)
    clock: Callable[[], int] = now_micros
    # Wakes the relay that sends computed trait values to the profile service.
    computed_committed: Callable[[], None] = lambda: None
    # Wakes the scheduler (a segment waits to be computed).
    compute_requested: Callable[[], None] = lambda: None
