"""Log payloads are SealedEventBatch; delivery sends every event in order, in calls of bounded size."""

from __future__ import annotations

from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.db.outbox import Pending
from cdp.ingestion.adapters.pipeline import IdentityDelivery, decode_batch, encode_batch
from cdp.ingestion.domain.model import EventType, SealedEvent, SealedIdentifier


def _event(message_id: str, size: int = 10) -> SealedEvent:
    identifier = SealedIdentifier("user_id", b"\x01" * 32, b"sealed", "sub_a")
    return SealedEvent(
        message_id,
        "src",
        EventType.TRACK,
        "Clicked",
        1_700_000_000_123_456_789,
        1_700_000_001 * 10**9,
        [identifier],
        "sub_a",
        b'{"p":"' + b"x" * size + b'"}',
        b"pii",
    )


def test_a_batch_round_trips_through_the_contract_message() -> None:
    (event,) = decode_batch(encode_batch([_event("m-1")])).events
    assert (event.message_id, event.source, event.type, event.event_name, event.subject_id) == (
        "m-1",
        "src",
        EventType.TRACK,
        "Clicked",
        "sub_a",
    )
    assert (event.timestamp.seconds, event.timestamp.nanos) == (1_700_000_000, 123_456_789)
    assert event.receive_time.seconds == 1_700_000_001
    assert event.identifiers[0].blind_index == b"\x01" * 32 and event.sealed_pii == b"pii"


def test_delivery_sends_every_event_in_log_order() -> None:
    calls: list[identity_pb.ResolveEventsRequest] = []
    pending = [
        Pending(seq, encode_batch([_event(f"{seq}-{i}") for i in range(3)])) for seq in (1, 2, 3)
    ]
    IdentityDelivery(calls.append)(pending)
    assert len(calls) == 1
    assert [e.message_id for e in calls[0].events] == [
        f"{s}-{i}" for s in (1, 2, 3) for i in range(3)
    ]


def test_delivery_splits_calls_at_the_size_limit() -> None:
    calls: list[identity_pb.ResolveEventsRequest] = []
    pending = [
        Pending(1, encode_batch([_event("a", 400)])),
        Pending(2, encode_batch([_event("b", 400)])),
        Pending(3, encode_batch([_event(f"c{i}", 400) for i in range(4)])),
    ]
    IdentityDelivery(calls.append, max_bytes=1200)(pending)
    assert all(call.ByteSize() <= 1200 for call in calls)
    assert [e.message_id for call in calls for e in call.events] == [
        "a",
        "b",
        "c0",
        "c1",
        "c2",
        "c3",
    ]
    assert len(calls) >= 3
