"""The relay from profile's outbox to segmentation's ApplyProfileUpdates, at least once, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import grpc
from sqlalchemy import Engine, delete, select

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.db import outbox as outbox_log
from cdp.db import write_transaction
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


class FeedDelivery:
    """The relay's deliver(): pending entries, in order, in calls of at most max_bytes each."""

    def __init__(self, apply: Callable[[bytes], None], max_bytes: int = MAX_CALL_BYTES) -> None:
        self._apply = apply
        self._max_bytes = max_bytes

    def __call__(self, pending: Sequence[outbox_log.Pending]) -> None:
        for call in self.calls([entry.payload for entry in pending]):
            self._apply(call)

    def calls(self, payloads: Sequence[bytes]) -> Iterator[bytes]:
        """Entries are whole requests, so a run of them concatenated is one request."""
        group: list[bytes] = []
        size = 0
        for payload in payloads:
            if group and size + len(payload) > self._max_bytes:
                yield b"".join(group)
                group, size = [], 0
            if len(payload) > self._max_bytes:
                yield from self._split(payload)
                continue
            group.append(payload)
            size += len(payload)
        if group:
            yield b"".join(group)

    def _split(self, payload: bytes) -> Iterator[bytes]:
        request, size = feed_pb.ApplyProfileUpdatesRequest(), 0
        for item in feed_pb.ApplyProfileUpdatesRequest.FromString(payload).updates:
            item_size = item.ByteSize() + 8
            if request.updates and size + item_size > self._max_bytes:
                yield request.SerializeToString()
                request, size = feed_pb.ApplyProfileUpdatesRequest(), 0
            request.updates.append(item)
            size += item_size
        if request.updates:
            yield request.SerializeToString()


class FeedRelay(outbox_log.Relay):
    """The relay to segmentation; entries segmentation acknowledged are deleted right away, so the
    outbox holds only what is still on its way (and an erasure has little to scrub)."""

    def __init__(
        self,
        engine: Engine,
        deliver: Callable[[Sequence[outbox_log.Pending]], None],
        max_items: int = 2000,
    ) -> None:
        super().__init__(engine, outbox, outbox_cursor, DESTINATION, deliver, max_items=max_items)

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            super().start()

    def pump_once(self) -> int:
        delivered = super().pump_once()
        if delivered:
            self._prune()
        return delivered

    def _prune(self) -> None:
        with write_transaction(self._engine) as conn:
            last = conn.execute(
                select(outbox_cursor.c.last_seq).where(outbox_cursor.c.destination == DESTINATION)
            ).scalar()
            if last:
                conn.execute(delete(outbox).where(outbox.c.seq <= last))
