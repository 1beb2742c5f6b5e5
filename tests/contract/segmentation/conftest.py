"""Fixtures: the real segmentation server on SQLite and PostgreSQL, batch work driven by the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.segmentation.harness import Running, serve


@pytest.fixture
def running(dev_dir: Path, database_url: str, mint) -> Iterator[Running]:
    """background=False: the test computes segments and re-checks windows itself."""
    with serve(dev_dir, database_url, mint) as server:
        yield server
