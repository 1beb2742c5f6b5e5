"""How feed updates become requests: large rebuilt profiles, and entries grouped into calls."""

from __future__ import annotations

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.db.outbox import Pending
from cdp.profile.adapters.feed import REBUILT_BYTES, encode
from cdp.profile.adapters.relay import MAX_CALL_BYTES, FeedDelivery
from cdp.profile.domain.feed import EventRecorded, MergeApplied, ProfileRebuilt, PublicTrait
from cdp.profile.domain.model import EventType

P1, P2 = "p" + "1" * 24, "p" + "2" * 24


def _event(n: int, padding: int = 0) -> EventRecorded:
    return EventRecorded(
        P1, "sub_x", "web", f"m-{n}", EventType.TRACK, "Tick", n, {"n": n, "pad": "x" * padding}
    )


def test_a_large_rebuilt_profile_carries_its_first_events_and_the_rest_follow_in_order() -> None:
    events = tuple(_event(n, padding=10_000) for n in range(300))  # about 3 MB in all
    rebuilt = ProfileRebuilt(P1, (PublicTrait("plan", "pro", False, "sub_x"),), events)

    request = encode([rebuilt, MergeApplied(P2, (P1,))])

    first, *rest = request.updates
    assert first.WhichOneof("kind") == "rebuilt" and 0 < len(first.rebuilt.events) < 300
    assert first.ByteSize() < REBUILT_BYTES + 20_000
    assert [u.WhichOneof("kind") for u in rest[:-1]] == ["event"] * (
        300 - len(first.rebuilt.events)
    )
    carried = [e.message_id for e in first.rebuilt.events] + [u.event.message_id for u in rest[:-1]]
    assert carried == [f"m-{n}" for n in range(300)]
    assert rest[-1].WhichOneof("kind") == "merged"
    assert max(u.ByteSize() for u in request.updates) < MAX_CALL_BYTES


def _entry(seq: int, *updates: EventRecorded) -> Pending:
    request = encode(list(updates))
    for index, update in enumerate(request.updates):
        update.sequence = seq * 1000 + index
    return Pending(seq, request.SerializeToString())


def test_entries_are_concatenated_into_calls_and_an_oversize_entry_is_split_between_updates() -> (
    None
):
    calls: list[bytes] = []
    delivery = FeedDelivery(calls.append, max_bytes=4_000)
    small = [_entry(1, _event(1)), _entry(2, _event(2))]
    large = _entry(3, *(_event(n, padding=900) for n in range(3, 13)))

    delivery([*small, large, _entry(4, _event(13))])

    decoded = [feed_pb.ApplyProfileUpdatesRequest.FromString(call) for call in calls]
    sequences = [u.sequence for request in decoded for u in request.updates]
    assert [u.event.message_id for r in decoded for u in r.updates] == [
        f"m-{n}" for n in range(1, 14)
    ]
    assert sequences == sorted(set(sequences))
    assert len(decoded[0].updates) == 2  # the small entries travel together
    assert all(len(call) <= 4_000 for call in calls)
