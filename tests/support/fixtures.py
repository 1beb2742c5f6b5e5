"""Where the shared Segment Spec fixtures live: `shared/` beside the checkout (as CI clones it)."""

from __future__ import annotations

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = (
    Path(os.environ["CDP_SHARED_DIR"]) if os.environ.get("CDP_SHARED_DIR") else None,
    _ROOT.parent / "shared",
    Path("/work/shared"),
)


def segment_spec_examples() -> Path:
    """The examples file; a missing one is an error, not a skip (every run must check them)."""
    for base in filter(None, _CANDIDATES):
        path = base / "fixtures" / "segment-spec" / "examples.json"
        if path.exists():
            return path
    raise FileNotFoundError(
        "shared/fixtures/segment-spec/examples.json not found; set CDP_SHARED_DIR"
    )
