"""The pipeline contract's wire form: SealedEventBatch payloads in the log, their delivery to identity."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.api.ingestion.v1 import sealed_event_pb2 as pb
from cdp.db.outbox import Pending
from cdp.ingestion.domain.model import SealedEvent

# Well under the peers' 4 MiB receive limit; a single event is at most 1 MiB of JSON plus seals.
MAX_CALL_BYTES = 3 * 1024 * 1024
_NANOS = 1_000_000_000

Resolve = Callable[[identity_pb.ResolveEventsRequest], None]


def encode_batch(events: Sequence[SealedEvent]) -> bytes:
    batch = pb.SealedEventBatch()
    add = batch.events.add
    for event in events:
        sealed = add(
            message_id=event.message_id,
            source=event.source,
            type=event.type,
            event_name=event.event_name,
            subject_id=event.subject_id,
            public_json=event.public_json,
            sealed_pii=event.sealed_pii,
        )
        sealed.timestamp.seconds, sealed.timestamp.nanos = divmod(event.timestamp_ns, _NANOS)
        sealed.receive_time.seconds, sealed.receive_time.nanos = divmod(event.receive_ns, _NANOS)
        add_identifier = sealed.identifiers.add
        for identifier in event.identifiers:
            add_identifier(
                type=identifier.type,
                blind_index=identifier.blind_index,
                sealed_value=identifier.sealed_value,
                subject_id=identifier.subject_id,
            )
    return batch.SerializeToString()


def decode_batch(payload: bytes) -> pb.SealedEventBatch:
    return pb.SealedEventBatch.FromString(payload)


class IdentityDelivery:
    """The relay's deliver(): every event of the pending entries, in order, in calls of bounded size."""

    def __init__(self, resolve: Resolve, max_bytes: int = MAX_CALL_BYTES) -> None:
        self._resolve = resolve
        self._max_bytes = max_bytes

    def __call__(self, pending: Sequence[Pending]) -> None:
        for request in self.requests(pending):
            self._resolve(request)

    def requests(self, pending: Sequence[Pending]) -> Iterator[identity_pb.ResolveEventsRequest]:
        group: list[bytes] = []
        size = 0
        for entry in pending:
            if len(entry.payload) > self._max_bytes:
                yield from self._flush(group)
                group, size = [], 0
                yield from self._split(entry.payload)
                continue
            if size + len(entry.payload) > self._max_bytes:
                yield from self._flush(group)
                group, size = [], 0
            group.append(entry.payload)
            size += len(entry.payload)
        yield from self._flush(group)

    def _flush(self, payloads: list[bytes]) -> Iterator[identity_pb.ResolveEventsRequest]:
        # SealedEventBatch and ResolveEventsRequest both hold the events as field 1, so the
        # concatenated payloads parse as one request (repeated fields append) without copying.
        if payloads:
            yield identity_pb.ResolveEventsRequest.FromString(b"".join(payloads))

    def _split(self, payload: bytes) -> Iterator[identity_pb.ResolveEventsRequest]:
        request, size = identity_pb.ResolveEventsRequest(), 0
        for event in decode_batch(payload).events:
            event_size = event.ByteSize() + 8
            if request.events and size + event_size > self._max_bytes:
                yield request
                request, size = identity_pb.ResolveEventsRequest(), 0
            request.events.append(event)
            size += event_size
        if request.events:
            yield request
