"""Fixtures shared by the contract tests of several services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.access_audit import AuditPeer, audit_peer


@pytest.fixture
def consent_audit(dev_dir: Path) -> Iterator[AuditPeer]:
    """A recording PrivacyService where profile and identity send their operator-read audits."""
    with audit_peer(dev_dir) as peer:
        yield peer
