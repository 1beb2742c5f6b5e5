"""A data key past its usage budget is rotated, and what it sealed still opens (privacy.md R16, T22)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from cdp.consent.bootstrap import bootstrap
from cdp.consent.server import build_server
from cdp.consent.settings import Settings
from cdp.grpcx.channels import insecure_channel_with_token
from cdp.grpcx.keys import GrpcKeyFetch
from cdp.pii import Aad, Vault
from cdp.pii.keycache import CachedKeySource

SUBJECT = "sub_" + "c" * 24
BUDGET = 100


@pytest.fixture
def channel(dev_dir: Path, tmp_path: Path, mint) -> Iterator[grpc.Channel]:
    env = {
        "CDP_DATA_DIR": str(dev_dir),
        "DATABASE_URL": f"sqlite:///{tmp_path}/keys.db",
        "CDP_DEK_USAGE_BUDGET": str(BUDGET),
    }
    settings = Settings.from_env(env)
    app = bootstrap(settings)
    server, port, _ = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    token = mint("service")
    with insecure_channel_with_token(f"127.0.0.1:{port}", lambda: token) as chan:
        yield chan
    server.stop(None)
    app.stop()


def test_a_key_past_its_budget_is_rotated_and_older_data_still_opens(channel) -> None:
    fetch = GrpcKeyFetch(channel)
    keys = CachedKeySource(fetch, ttl=60, report=fetch.report, report_every=10)
    vault = Vault(keys)
    aad = Aad("profile", "traits", "email", SUBJECT)
    sealed = [vault.seal(f"value {i}".encode(), aad) for i in range(250)]
    keys.flush_usage()

    versions = sorted({struct.unpack_from(">BI", blob)[1] for blob in sealed})
    assert versions[0] == 1 and len(versions) >= 2  # the budget of 100 forced at least one rotation
    assert [vault.open(blob, aad) for blob in sealed] == [f"value {i}".encode() for i in range(250)]
    fresh = Vault(CachedKeySource(GrpcKeyFetch(channel), ttl=60))  # another process, empty cache
    assert fresh.open(sealed[0], aad) == b"value 0"


def test_a_failed_usage_report_never_fails_sealing_and_its_counts_are_sent_later() -> None:
    received: list[dict] = []

    def flaky(usages):
        if not received:
            received.append({})
            raise ConnectionError("key service down")
        received.append(usages)
        return []

    keys = CachedKeySource(lambda ids, create: {}, report=flaky, report_every=1)
    keys.record_use(SUBJECT, 1)  # the report fails: no exception reaches the sealing caller
    keys.record_use(SUBJECT, 1)
    assert received[-1] == {(SUBJECT, 1): 2}
