"""The pipeline contract's wire form: SealedEventBatch payloads in the log, their delivery to identity."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.api.ingestion.v1 import sealed_event_pb2 as pb
from cdp.db.outbox import Pending
from cdp.ingestion.domain.model import EventType, SealedEvent, SealedIdentifier
from cdp.ingestion.domain.suppression import SuppressionList

# Well under the peers' 4 MiB receive limit; a single event is at most 1 MiB of JSON plus seals.
MAX_CALL_BYTES = 3 * 1024 * 1024
_NANOS = 1_000_000_000

Resolve = Callable[[identity_pb.ResolveEventsRequest], None]
Screen = Callable[[Sequence[Pending]], list[Pending]]


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


def encode_wire_events(events: Sequence[pb.SealedEvent]) -> bytes:
    """A batch of already-decoded events (what is left of a batch after some were cut out)."""
    batch = pb.SealedEventBatch()
    batch.events.extend(events)
    return batch.SerializeToString()


def event_from_wire(event: pb.SealedEvent) -> SealedEvent:
    return SealedEvent(
        event.message_id,
        event.source,
        EventType(event.type),
        event.event_name,
        event.timestamp.seconds * _NANOS + event.timestamp.nanos,
        event.receive_time.seconds * _NANOS + event.receive_time.nanos,
        [
            SealedIdentifier(i.type, i.blind_index, i.sealed_value, i.subject_id)
            for i in event.identifiers
        ],
        event.subject_id,
        event.public_json,
        event.sealed_pii,
    )


class SuppressedEventFilter:
    """Cuts fenced subjects' events out of entries logged before their fence, at delivery time.

    Entries logged after a fence cannot hold them (suppression is checked in the storing
    transaction), so only entries up to the suppression horizon are decoded; erasure later
    removes the same events from the log itself.
    """

    def __init__(self, suppression: SuppressionList, refresh: Callable[[], None]) -> None:
        self._suppression = suppression
        self._refresh = refresh

    def __call__(self, pending: Sequence[Pending]) -> list[Pending]:
        self._refresh()  # another replica may have fenced since this process last looked
        horizon = self._suppression.horizon
        screened = []
        for entry in pending:
            if entry.seq > horizon:
                screened.append(entry)
                continue
            events = decode_batch(entry.payload).events
            kept = [e for e in events if not self._suppression.blocks(e.subject_id, e.identifiers)]
            if len(kept) == len(events):
                screened.append(entry)
            elif kept:
                screened.append(Pending(entry.seq, encode_wire_events(kept)))
        return screened


class IdentityDelivery:
    """The relay's deliver(): every event of the pending entries, in order, in calls of bounded size."""

    def __init__(
        self, resolve: Resolve, max_bytes: int = MAX_CALL_BYTES, screen: Screen | None = None
    ) -> None:
        self._resolve = resolve
        self._max_bytes = max_bytes
        self._screen = screen

    def __call__(self, pending: Sequence[Pending]) -> None:
        # Entries screened down to nothing send nothing; the relay still moves its cursor past them.
        screened = self._screen(pending) if self._screen is not None else pending
        for request in self.requests(screened):
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
