"""Traits by event time: newest wins, late events lose, provenance kept, merges and splits decided."""

from __future__ import annotations

import json

from cdp.profile.domain.model import EventType, IncomingEvent, Provenance, TraitValue
from cdp.profile.domain.traits import identify_traits, newest, plan_traits, restore


def _identify(
    message_id: str, at: int, public: dict, received: int | None = None, subject: str = "sub_a"
) -> IncomingEvent:
    return IncomingEvent(
        message_id,
        "web",
        EventType.IDENTIFY,
        "",
        at,
        received or at,
        subject,
        b"anchor",
        json.dumps(public).encode(),
        b"",
    )


def _value(
    key: str, value: object, at: int, message_id: str = "m", received: int = 0
) -> TraitValue:
    return TraitValue(key, value, False, "sub_a", Provenance("web", message_id, at, received or at))


def test_the_newest_event_time_wins_whatever_the_arrival_order() -> None:
    newer = _value("plan", "enterprise", at=200, message_id="newer")
    late = _value("plan", "free", at=100, message_id="late", received=999)

    assert newest([newer, late])["plan"] is newer
    assert newest([late, newer])["plan"] is newer


def test_on_equal_event_times_the_later_receive_wins() -> None:
    first = _value("plan", "a", at=100, message_id="m1", received=500)
    second = _value("plan", "b", at=100, message_id="m2", received=600)

    assert newest([second, first])["plan"].value == "b"


def test_identify_traits_keep_provenance_and_flag_personal_ones() -> None:
    event = _identify("m1", 100, {"traits": {"plan": "pro", "company": {"size": 3}}})
    personal = [
        [["traits", "email"], "an@example.com"],
        [["traits", "company", "name"], "Acme"],
        [["context", "ip"], "203.0.113.9"],
    ]

    found = {t.key: t for t in identify_traits(event, personal)}

    assert found["plan"].value == "pro" and not found["plan"].personal
    assert found["email"].value == "an@example.com" and found["email"].personal
    assert found["company"].value == {"size": 3, "name": "Acme"} and found["company"].personal
    assert "ip" not in found
    assert found["plan"].provenance == Provenance("web", "m1", 100, 100)
    assert found["email"].subject_id == "sub_a"


def test_personal_values_return_even_where_the_edge_left_out_an_emptied_container() -> None:
    public = {"properties": {"total": 3}}
    personal = [[["context", "traits", "email"], "an@example.com"], [["traits", "name"], "An"]]

    rebuilt = restore(public, personal)

    assert rebuilt == {
        "properties": {"total": 3},
        "context": {"traits": {"email": "an@example.com"}},
        "traits": {"name": "An"},
    }


def test_a_late_identify_does_not_replace_a_stored_newer_value() -> None:
    stored = {"p1": {"plan": Provenance("web", "newer", 200, 200)}}
    late = _value("plan", "free", at=100, message_id="late", received=900)

    plan = plan_traits(stored, lambda p: p, [("p1", late)])

    assert plan.writes == [] and plan.moves == []


def test_a_newer_identify_replaces_the_stored_value_in_place() -> None:
    stored = {"p1": {"plan": Provenance("web", "old", 100, 100)}}
    newer = _value("plan", "pro", at=200, message_id="new")

    plan = plan_traits(stored, lambda p: p, [("p1", newer), ("p1", _value("age", 3, at=50))])

    assert {(w.profile_id, w.value.key, w.replaces) for w in plan.writes} == {
        ("p1", "plan", True),
        ("p1", "age", False),
    }


def test_merging_two_profiles_keeps_each_traits_newest_value() -> None:
    stored = {
        "survivor": {
            "plan": Provenance("web", "s-plan", 300, 300),
            "city": Provenance("web", "s-city", 100, 100),
        },
        "absorbed": {
            "plan": Provenance("web", "a-plan", 200, 200),
            "city": Provenance("web", "a-city", 400, 400),
            "tier": Provenance("web", "a-tier", 50, 50),
        },
    }

    plan = plan_traits(stored, lambda p: "survivor" if p == "absorbed" else p, [])

    moves = {(m.source_profile, m.target_profile, m.key, m.replaces) for m in plan.moves}
    assert moves == {
        ("absorbed", "survivor", "city", True),
        ("absorbed", "survivor", "tier", False),
    }
    assert plan.writes == [] and plan.emptied_profiles == ["absorbed"]


def test_a_new_value_for_an_absorbed_profile_lands_on_the_survivor() -> None:
    stored = {"survivor": {}, "absorbed": {"plan": Provenance("web", "a", 200, 200)}}
    incoming = [("absorbed", _value("plan", "pro", at=300, message_id="new"))]

    plan = plan_traits(stored, lambda p: "survivor" if p == "absorbed" else p, incoming)

    assert [(w.profile_id, w.value.value, w.replaces) for w in plan.writes] == [
        ("survivor", "pro", False)
    ]
    assert plan.moves == []


def test_after_a_split_each_side_recomputes_from_its_own_identify_events() -> None:
    kept = _identify("kept", 100, {"traits": {"plan": "basic", "lang": "vi"}})
    moved = _identify("moved", 200, {"traits": {"plan": "pro"}}, subject="sub_b")
    together = newest(v for e in (kept, moved) for v in identify_traits(e, []))
    assert together["plan"].value == "pro"

    left = newest(identify_traits(kept, []))
    right = newest(identify_traits(moved, []))

    assert left["plan"].value == "basic" and left["lang"].value == "vi"
    assert right["plan"].value == "pro" and "lang" not in right
    assert right["plan"].provenance.message_id == "moved"
