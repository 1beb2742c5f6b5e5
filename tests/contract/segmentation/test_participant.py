"""Segmentation's share of data-subject requests over the real server: fence, erase, restrict, export."""

from __future__ import annotations

import json
from typing import Any

import grpc

from cdp.api.privacy.v1 import participant_service_pb2 as dsr
from cdp.api.segmentation.v1 import computed_trait_pb2, segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.segmentation.adapters import orm
from tests.contract.segmentation.builders import event, new_profile, subject_of, traits
from tests.contract.segmentation.harness import Running, failure, reason

ENTERED, EXITED = (
    segment_pb2.MEMBERSHIP_CHANGE_KIND_ENTERED,
    segment_pb2.MEMBERSHIP_CHANGE_KIND_EXITED,
)
VN = 'traits.country == "VN"'
BUYERS = 'event("Order Completed").exists()'


def _person(running: Running, person: str) -> None:
    """A person in Vietnam who bought something (in both segments)."""
    running.feed(
        traits(person, country="VN", plan="pro", personal=("email",)),
        event(person, "Order Completed", properties={"total": 12.5, "sku": "a-1"}),
    )


def _subject(person: str) -> dsr.Subject:
    return dsr.Subject(subject_ids=[subject_of(person)], profiles=[f"profiles/{person}"])


def _changes_of(running: Running, segment_id: str, person: str) -> list[tuple[int, str]]:
    return [
        (c.kind, c.reason) for c in running.changes(segment_id) if c.profile == f"profiles/{person}"
    ]


def test_fencing_exits_the_person_everywhere_and_the_watch_sees_it(running: Running) -> None:
    running.ready("vn", VN)
    running.ready("buyers", BUYERS)
    person, other = new_profile(), new_profile()
    _person(running, person)
    _person(running, other)
    call = running.watch("vn", after=running.get("vn").membership_version)

    response = running.dsr("FenceSubject", dsr.Subject(subject_ids=[subject_of(person)]))
    seen = next(call).change
    call.cancel()

    assert response.suppressed_count == 1
    assert (seen.profile, seen.kind, seen.reason) == (f"profiles/{person}", EXITED, "ERASED")
    assert running.members("vn") == [other] and running.members("buyers") == [other]
    assert _changes_of(running, "buyers", person)[-1] == (EXITED, "ERASED")
    assert (running.get("vn").member_count, running.get("vn").excluded_count) == (1, 0)


def test_feed_updates_naming_a_fenced_subject_or_profile_are_dropped(running: Running) -> None:
    running.ready("vn", VN)
    by_subject, by_profile = new_profile(), new_profile()
    running.dsr("FenceSubject", dsr.Subject(subject_ids=[subject_of(by_subject)]))
    running.dsr("FenceSubject", dsr.Subject(profiles=[f"profiles/{by_profile}"]))

    running.feed(traits(by_subject, country="VN"), event(by_subject, "Order Completed"))
    running.feed(traits(by_profile, subject="sub_" + "a" * 24, country="VN"))

    assert running.members("vn") == []
    assert running.get("vn").membership_version == 0
    for table in (orm.profiles, orm.events, orm.traits, orm.subjects):
        assert running.rows(table) == [], table.name


def test_erasure_leaves_no_row_naming_the_person_but_their_erased_exits(running: Running) -> None:
    running.ready("vn", VN)
    running.ready("buyers", BUYERS)
    _define_orders(running)
    person, other = new_profile(), new_profile()
    _person(running, person)
    _person(running, other)
    running.feed(traits(person, country="TH"))  # a history with both kinds

    running.dsr("FenceSubject", _subject(person))
    counts = running.dsr("EraseSubject", _subject(person)).counts
    again = running.dsr("EraseSubject", _subject(person)).counts

    assert counts["seg_events"] >= 1 and counts["seg_profiles"] == 1
    assert dict(again) == {}
    assert _rows_naming(running, person) == []
    assert _rows_naming(running, subject_of(person)) == []
    assert _changes_of(running, "buyers", person) == [(EXITED, "ERASED")]
    assert running.members("vn") == [other] and running.members("buyers") == [other]


def test_restriction_takes_the_person_out_and_lifting_it_lets_them_back(running: Running) -> None:
    running.ready("vn", VN)
    person = new_profile()
    running.feed(traits(person, country="VN"))

    restricted = running.dsr("RestrictSubject", _subject(person), restricted=True)
    running.feed(event(person, "Order Completed"), traits(person, plan="pro"))
    while_restricted = (running.members("vn"), running.get("vn").excluded_count)
    lifted = running.dsr("RestrictSubject", _subject(person), restricted=False)

    assert (restricted.affected_count, lifted.affected_count) == (1, 1)
    assert while_restricted == ([], 1)
    assert running.members("vn") == [person]
    assert _changes_of(running, "vn", person) == [
        (ENTERED, "CONDITION_MATCHED"),
        (EXITED, "RESTRICTED"),
        (ENTERED, "UNRESTRICTED"),
    ]


def test_a_restricted_person_is_excluded_from_a_new_segment(running: Running) -> None:
    person = new_profile()
    running.feed(traits(person, country="VN"))
    running.dsr("RestrictSubject", _subject(person), restricted=True)

    running.ready("vn", VN)

    assert running.members("vn") == []
    assert running.get("vn").excluded_count == 1


def test_export_lists_memberships_and_their_history(running: Running) -> None:
    running.ready("vn", VN)
    person = new_profile()
    _person(running, person)

    document = json.loads(running.dsr("ExportSubject", _subject(person)).document_json)

    assert document["service"] == "segmentation"
    assert [(s["segment"], s["member"]) for s in document["segments"]] == [("segments/vn", True)]
    assert [(h["change"], h["reason"]) for h in document["membership_history"]] == [
        ("ENTERED", "CONDITION_MATCHED")
    ]
    assert (document["events_held"], document["traits_held"]) == (1, 3)


def test_a_malformed_subject_is_invalid_argument(running: Running) -> None:
    err = failure(
        lambda: running.dsr("FenceSubject", dsr.Subject(subject_ids=["someone@example.com"]))
    )

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason(err) == "INVALID_SUBJECT_ID"
    assert "someone@example.com" not in err.details()


def _define_orders(running: Running) -> None:
    request = pb.CreateComputedTraitRequest(
        computed_trait_id="orders_30d",
        computed_trait=computed_trait_pb2.ComputedTrait(
            expression='event("Order Completed").count(within = 30d)'
        ),
    )
    running.call("CreateComputedTrait", request)
    running.compute()


def _rows_naming(running: Running, needle: str) -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table holding `needle` in any column, but the EXITED / ERASED changes."""
    found = []
    for table in orm.metadata.sorted_tables:
        for row in running.rows(table):
            if _names(row, needle) and not _erased_exit(table.name, row):
                found.append((table.name, dict(row)))
    return found


def _names(row: Any, needle: str) -> bool:
    for value in row.values():
        text = (
            value.decode("latin-1") if isinstance(value, bytes) else json.dumps(value, default=str)
        )
        if needle in text:
            return True
    return False


def _erased_exit(table: str, row: Any) -> bool:
    return table == orm.changes.name and row["kind"] == EXITED and row["reason"] == "ERASED"
