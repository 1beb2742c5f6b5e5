"""The relay to segmentation: profile's outbox delivered to a real SegmentationFeedService server on
127.0.0.1 (a small recorder), in order, under a deadline, and again after the destination was down."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as feed_grpc
from cdp.pii import BlindIndexer, Vault
from cdp.profile.bootstrap import App, bootstrap
from cdp.profile.settings import Settings
from tests.integration.profile.feed import entries
from tests.integration.profile.flows import apply
from tests.integration.profile.support import (
    SECOND,
    Sealer,
    as_event,
    event,
    new_profile,
    request,
)

T0 = 1_700_000_000 * SECOND
DEADLINE = 5.0
# The relay's channel retries a dead address quickly, so a destination that comes back is seen soon.
FAST_RECONNECT = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 300),
]


class RecordingFeed(feed_grpc.SegmentationFeedServiceServicer):
    """Records what it accepts; refuses the first `refuse` calls as a segmentation that is down."""

    def __init__(self, refuse: int = 0) -> None:
        self.requests: list[feed_pb.ApplyProfileUpdatesRequest] = []
        self.deadlines: list[float | None] = []
        self.refused = 0
        self._refuse = refuse
        self._lock = threading.Lock()

    def ApplyProfileUpdates(self, request, context):
        with self._lock:
            self.deadlines.append(context.time_remaining())
            if self.refused < self._refuse:
                self.refused += 1
                context.abort(grpc.StatusCode.UNAVAILABLE, "segmentation is down")
            self.requests.append(request)
        return feed_pb.ApplyProfileUpdatesResponse(applied_count=len(request.updates))

    def updates(self) -> list[feed_pb.ProfileUpdate]:
        with self._lock:
            return [u for r in self.requests for u in r.updates]


def _serve(servicer: RecordingFeed, port: int = 0) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    feed_grpc.add_SegmentationFeedServiceServicer_to_server(servicer, server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, bound


def _wait_for(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Polls until the condition holds; fails (naming it) only if it never does."""
    give_up = time.monotonic() + limit
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.02)


@pytest.fixture
def start_profile(database_url: str, keys, dev_dir: Path) -> Iterator[Callable[[int], App]]:
    """Starts the profile App with its relay pointed at 127.0.0.1:<port>."""
    opened: list[tuple[App, list[grpc.Channel]]] = []

    def start(port: int) -> App:
        settings = Settings.from_env(
            {
                "CDP_DATA_DIR": str(dev_dir),
                "DATABASE_URL": database_url,
                "CDP_PROFILE_SEGMENTATION_TIMEOUT": str(DEADLINE),
            }
        )
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=FAST_RECONNECT)
        unused = grpc.insecure_channel("127.0.0.1:9")  # these tests never ask identity
        app = bootstrap(
            settings, key_source=keys, identity_channel=unused, auditor=None, feed_channel=channel
        )
        opened.append((app, [channel, unused]))
        app.start_relay()
        return app

    yield start
    for app, channels in opened:
        app.close()
        for channel in channels:
            channel.close()


@pytest.fixture
def sealer(vault: Vault, indexer: BlindIndexer) -> Sealer:
    return Sealer(vault, indexer)


def _two_batches(app: App, sealer: Sealer) -> list[str]:
    """Applies two batches (3 and 1 updates); the message ids of their events, in order."""
    person = new_profile()
    sent = [
        event("identify", user_id="u-r", traits={"plan": "pro"}, at=T0),
        event("track", user_id="u-r", name="Paid", at=T0 + SECOND),
        event("track", user_id="u-r", name="Paid again", at=T0 + 2 * SECOND),
    ]
    apply(
        app,
        request(
            as_event(1, person, sealer.seal(sent[0])), as_event(2, person, sealer.seal(sent[1]))
        ),
    )
    apply(app, request(as_event(3, person, sealer.seal(sent[2]))))
    return [e.message_id for e in sent]


def _event_ids(found: list[feed_pb.ProfileUpdate]) -> list[str]:
    return [u.event.message_id for u in found if u.WhichOneof("kind") == "event"]


def test_committed_updates_reach_segmentation_in_order_under_a_deadline(
    start_profile, sealer: Sealer, database_url: str
) -> None:
    feed = RecordingFeed()
    server, port = _serve(feed)
    try:
        app = start_profile(port)

        sent = _two_batches(app, sealer)

        _wait_for(lambda: len(feed.updates()) == 4, "4 updates delivered")
        _wait_for(lambda: not entries(database_url), "delivered entries deleted")
    finally:
        server.stop(None).wait()
    delivered = feed.updates()
    sequences = [u.sequence for u in delivered]
    assert [u.WhichOneof("kind") for u in delivered] == ["event", "event", "traits", "event"]
    assert _event_ids(delivered) == sent
    assert sequences == sorted(set(sequences))
    # Every call carries the configured deadline (not the 30 s default, not none); the server's
    # reading of it can exceed the value by clock rounding, hence the margin.
    assert all(d is not None and 0 < d < DEADLINE + 1 for d in feed.deadlines), feed.deadlines


def test_updates_committed_while_segmentation_is_down_are_delivered_once_it_is_back(
    start_profile, sealer: Sealer, database_url: str
) -> None:
    gone, port = _serve(RecordingFeed())
    gone.stop(None).wait()  # segmentation is down: nothing listens on the port
    app = start_profile(port)

    sent = _two_batches(app, sealer)
    waiting = len(entries(database_url))  # kept until acknowledged, however often the relay tries
    feed = RecordingFeed()
    server, _ = _serve(feed, port)
    try:
        _wait_for(lambda: len(feed.updates()) == 4, "4 updates delivered after the restart")
    finally:
        server.stop(None).wait()

    assert waiting == 2
    assert _event_ids(feed.updates()) == sent
    sequences = [u.sequence for u in feed.updates()]
    assert sequences == sorted(set(sequences))


def test_a_refused_delivery_is_retried_until_accepted_and_nothing_is_skipped(
    start_profile, sealer: Sealer
) -> None:
    feed = RecordingFeed(refuse=3)
    server, port = _serve(feed)
    try:
        app = start_profile(port)

        sent = _two_batches(app, sealer)

        _wait_for(lambda: len(feed.updates()) == 4, "4 updates delivered after refusals")
    finally:
        server.stop(None).wait()
    assert feed.refused == 3
    assert _event_ids(feed.updates()) == sent
