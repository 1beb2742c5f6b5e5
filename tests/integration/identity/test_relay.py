"""The relay from identity's outbox to profile: in order, at least once, pruned once acknowledged."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from cdp.identity.adapters.orm import outbox
from tests.integration.identity.conftest import make_identity


def wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def outbox_size(identity) -> int:
    with identity.app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(outbox)).scalar()


def test_changes_reach_profile_in_order_and_delivered_entries_are_pruned(
    dev_dir, database_url, keys, profile_server
):
    recorder, port, server = profile_server
    server.start()
    identity = make_identity(dev_dir, database_url, keys, CDP_PROFILE_ADDR=f"127.0.0.1:{port}")
    try:
        identity.app.start_relay()
        identity.resolve(("e1", [("anonymous_id", "a-1")]), ("e2", [("anonymous_id", "a-2")]))
        identity.resolve(("e3", [("anonymous_id", "a-1"), ("anonymous_id", "a-2")]))

        assert wait_until(lambda: len(recorder.changes) == 4 and outbox_size(identity) == 0)
    finally:
        identity.app.stop()
    kinds = [change.WhichOneof("change") for change in recorder.changes]
    sequences = [change.sequence for change in recorder.changes]
    assert kinds == ["event", "event", "merged", "event"]
    assert sequences == sorted(sequences) and len(set(sequences)) == 4
    assert recorder.changes[2].merged.profile == recorder.changes[0].event.profile
    assert recorder.changes[3].event.event.message_id == "e3"


def test_a_profile_service_that_is_down_delays_delivery_and_loses_nothing(
    dev_dir, database_url, keys, profile_server
):
    recorder, port, server = profile_server
    identity = make_identity(dev_dir, database_url, keys, CDP_PROFILE_ADDR=f"127.0.0.1:{port}")
    try:
        identity.app.start_relay()
        identity.resolve(("e1", [("anonymous_id", "a-1")]))
        time.sleep(0.3)
        assert recorder.changes == [] and outbox_size(identity) == 1

        server.start()

        assert wait_until(lambda: len(recorder.changes) == 1 and outbox_size(identity) == 0)
    finally:
        identity.app.stop()
