"""Delivers the consent outbox to segmentation's ApplyConsentUpdates: at least once, in order, pruned."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from sqlalchemy import Engine

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as feed_grpc
from cdp.consent.adapters.consent_feed import decode, decode_profiles
from cdp.consent.adapters.consent_orm import consent_outbox, consent_outbox_cursor
from cdp.db.outbox import Pending, Relay

DESTINATION = "segmentation"
FEED_TIMEOUT = 5.0  # seconds per call; a slow segmentation delays the feed, it never blocks a write
MAX_SUBJECTS_PER_CALL = 1000


class ConsentUpdateDelivery:
    """One ApplyConsentUpdates call per run of entries (split past MAX_SUBJECTS_PER_CALL subjects).

    Re-checking a subject twice is harmless, so a run's entries are merged and repeats dropped.
    """

    def __init__(self, channel: grpc.Channel, timeout: float = FEED_TIMEOUT) -> None:
        self._stub = feed_grpc.SegmentationFeedServiceStub(channel)
        self._timeout = timeout

    def __call__(self, pending: Sequence[Pending]) -> None:
        ids = list(dict.fromkeys(s for entry in pending for s in decode(entry.payload)))
        names = list(dict.fromkeys(p for entry in pending for p in decode_profiles(entry.payload)))
        for start in range(0, max(len(ids), len(names)), MAX_SUBJECTS_PER_CALL):
            window = slice(start, start + MAX_SUBJECTS_PER_CALL)
            request = feed_pb.ApplyConsentUpdatesRequest(
                subject_ids=ids[window], profiles=names[window]
            )
            self._stub.ApplyConsentUpdates(request, timeout=self._timeout)


class FeedRelay(Relay):
    """The relay to segmentation; it deletes entries once delivered, since they name subjects."""

    def __init__(
        self, engine: Engine, deliver: ConsentUpdateDelivery, idle_wait: float = 0.02
    ) -> None:
        super().__init__(
            engine,
            consent_outbox,
            consent_outbox_cursor,
            DESTINATION,
            deliver,
            max_items=MAX_SUBJECTS_PER_CALL,
            idle_wait=idle_wait,  # polls at 10x this when idle; notify() wakes it at once
            prune_interval=0,
        )


def feed_relay(engine: Engine, channel: grpc.Channel) -> FeedRelay:
    return FeedRelay(engine, ConsentUpdateDelivery(channel))
