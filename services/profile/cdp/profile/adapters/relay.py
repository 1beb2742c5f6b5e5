"""The relay from profile's outbox to segmentation's ApplyProfileUpdates, at least once, in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import grpc
from sqlalchemy import Engine

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.db import outbox as outbox_log
from cdp.profile.adapters.orm import outbox, outbox_cursor

APPLY_METHOD = "/cdp.api.segmentation.v1.SegmentationFeedService/ApplyProfileUpdates"
DESTINATION = "segmentation"
DEADLINE_SECONDS = 30.0
# Below the 4 MiB a server accepts (cdp.grpcx.server), with room for the envelope.
MAX_CALL_BYTES = 3 * 1024 * 1024


class FeedClient:
    """ApplyProfileUpdates with an already serialized request, under a deadline."""

    def __init__(self, channel: grpc.Channel, timeout: float = DEADLINE_SECONDS) -> None:
        # Outbox entries are serialized requests already: the bytes go out as they are.
        self._apply = channel.unary_unary(
            APPLY_METHOD,
            request_serializer=None,
            response_deserializer=feed_pb.ApplyProfileUpdatesResponse.FromString,
        )
        self._timeout = timeout

    def apply(self, request: bytes) -> None:
        self._apply(request, timeout=self._timeout)


class FeedDelivery(outbox_log.ConcatenatingDelivery):
    """The relay's deliver(): pending entries, in order, in calls of at most max_bytes each."""

    def __init__(self, apply: Callable[[bytes], None], max_bytes: int = MAX_CALL_BYTES) -> None:
        super().__init__(apply, feed_pb.ApplyProfileUpdatesRequest, "updates", max_bytes)


def feed_relay(
    engine: Engine,
    deliver: Callable[[Sequence[outbox_log.Pending]], None],
    max_items: int = 2000,
) -> outbox_log.Relay:
    """The relay to segmentation; entries it acknowledged are deleted right away, so the outbox
    holds only what is still on its way (and an erasure has little to scrub)."""
    return outbox_log.Relay(
        engine, outbox, outbox_cursor, DESTINATION, deliver, max_items=max_items, prune_interval=0
    )
