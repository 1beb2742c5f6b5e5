"""Crash points for chaos tests: `CDP_CRASH_AT=name` makes the process die at that point, as kill -9 would.

A named point in the code is the only way to kill a process *exactly* between two steps of a
multi-step operation (an erasure's record, fence, erase, verification, receipt); a signal from
outside lands anywhere. Inert unless the variable is set; the process exits without cleanup.
"""

from __future__ import annotations

import os
import sys


def crash_point(name: str) -> None:
    if name in os.environ.get("CDP_CRASH_AT", "").split(","):
        sys.stderr.write(f"crash point {name} reached: exiting like kill -9\n")
        sys.stderr.flush()
        os._exit(137)
