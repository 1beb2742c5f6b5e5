"""Profile summaries across merges: counts, first/last seen, groups, forwarding names."""

from __future__ import annotations

import json

from cdp.profile.domain.book import ProfileBook
from cdp.profile.domain.model import EventType, IncomingEvent, ProfileState


def _event(at: int, kind: EventType = EventType.TRACK, group_id: str = "") -> IncomingEvent:
    public = {"group_id": group_id} if group_id else {}
    return IncomingEvent(
        f"m{at}", "web", kind, "", at, at, "sub", b"", json.dumps(public).encode(), b""
    )


def test_merging_two_profiles_adds_up_their_summaries() -> None:
    survivor = ProfileState(
        "a", event_count=2, first_seen=100, last_seen=200, groups=["g1"], stored=True
    )
    absorbed = ProfileState(
        "b",
        event_count=3,
        first_seen=50,
        last_seen=150,
        groups=["g1", "g2"],
        merged_profiles=["c"],
        stored=True,
    )
    book = ProfileBook({"a": survivor, "b": absorbed})

    book.merge("a", ["b"])

    assert (survivor.event_count, survivor.first_seen, survivor.last_seen) == (5, 50, 200)
    assert survivor.groups == ["g1", "g2"] and survivor.merged_profiles == ["b", "c"]
    assert absorbed.merged_into == "a" and absorbed.event_count == 0
    assert book.absorbed() == [("b", "a")]


def test_events_for_an_absorbed_name_count_on_the_survivor() -> None:
    book = ProfileBook(
        {"b": ProfileState("b", merged_into="a", stored=True), "a": ProfileState("a", stored=True)}
    )

    target = book.record("b", _event(10, EventType.GROUP, group_id="acme"))

    assert target == "a"
    (state,) = book.touched()
    assert state.id == "a" and state.event_count == 1 and state.groups == ["acme"]


def test_chained_merges_in_one_call_all_forward_to_the_last_survivor() -> None:
    book = ProfileBook({})

    book.merge("b", ["c"])
    book.merge("a", ["b"])

    assert book.find("c") == "a"
    assert sorted(book.absorbed()) == [("b", "a"), ("c", "a")]
    assert {s.id: s.merged_profiles for s in book.touched()}["a"] == ["b", "c"]


def test_a_repeated_merge_changes_nothing() -> None:
    book = ProfileBook(
        {
            "a": ProfileState("a", event_count=4, stored=True),
            "b": ProfileState("b", merged_into="a", stored=True),
        }
    )

    book.merge("a", ["b"])

    assert book.absorbed() == []
    assert [s.event_count for s in book.touched()] == [4]
