"""The profile App on a real database (SQLite file and PostgreSQL), with in-memory data keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from cdp.pii import BlindIndexer, Vault
from cdp.profile.bootstrap import App, bootstrap
from cdp.profile.settings import Settings
from tests.integration.profile.support import Sealer


@pytest.fixture
def app(database_url: str, keys, dev_dir: Path) -> Iterator[App]:
    settings = Settings.from_env({"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": database_url})
    # These tests never ask identity (their read masks leave identities out).
    with grpc.insecure_channel("127.0.0.1:9") as unused:
        # No relay: what is queued for segmentation stays in the outbox for the tests to read.
        built = bootstrap(settings, key_source=keys, identity_channel=unused, feed_channel=None)
        yield built
        built.close()


@pytest.fixture
def sealer(vault: Vault, indexer: BlindIndexer) -> Sealer:
    return Sealer(vault, indexer)
