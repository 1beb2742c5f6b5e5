"""Membership over the real server, fed through SegmentationFeedService as profile's relay feeds it."""

from __future__ import annotations

import grpc

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as feed_grpc
from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.segmentation.service_layer import batch
from tests.contract.segmentation.builders import event, merged, new_profile, new_subject, traits
from tests.contract.segmentation.harness import TIMEOUT, Running, failure, reason

ENTERED, EXITED = (
    segment_pb2.MEMBERSHIP_CHANGE_KIND_ENTERED,
    segment_pb2.MEMBERSHIP_CHANGE_KIND_EXITED,
)
VN = 'traits.country == "VN"'


def _log(running: Running, segment_id: str, after: int = 0) -> list[tuple[str, int, str]]:
    return [
        (c.profile.removeprefix("profiles/"), c.kind, c.reason)
        for c in running.changes(segment_id, after)
    ]


def test_the_batch_computation_lists_every_match_in_pages(running: Running) -> None:
    matching = sorted(new_profile() for _ in range(5))
    others = [new_profile() for _ in range(2)]
    running.feed(
        *(traits(p, country="VN") for p in matching), *(traits(p, country="TH") for p in others)
    )

    running.ready("vn", VN)

    pages, token = [], ""
    while True:
        request = pb.ListSegmentMembersRequest(parent="segments/vn", page_size=2, page_token=token)
        response = running.call("ListSegmentMembers", request, role="service")
        pages.append(list(response.profiles))
        token = response.next_page_token
        if not token:
            break
    assert pages == [[f"profiles/{p}" for p in matching[i : i + 2]] for i in (0, 2, 4)]
    assert running.get("vn").member_count == 5
    assert sorted(_log(running, "vn")) == sorted(
        (p, ENTERED, "CONDITION_MATCHED") for p in matching
    )


def test_members_are_not_listed_while_the_segment_is_computing(running: Running) -> None:
    running.create("vn", VN)

    err = failure(lambda: running.members("vn"))

    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason(err) == "SEGMENT_NOT_READY"


def test_a_person_enters_within_the_feed_call_that_makes_them_match(running: Running) -> None:
    running.ready("buyers", 'traits.country == "VN" and event("Order Completed").count() >= 2')
    person = new_profile()

    running.feed(traits(person, country="VN"), event(person, "Order Completed"))
    after_one = running.members("buyers")
    running.feed(event(person, "Order Completed"))

    assert after_one == []
    assert running.members("buyers") == [person]
    assert _log(running, "buyers") == [(person, ENTERED, "CONDITION_MATCHED")]


def test_a_person_exits_when_the_condition_stops_holding(running: Running) -> None:
    running.ready("vn", VN)
    person, other = new_profile(), new_profile()
    running.feed(traits(person, country="VN"), traits(other, country="VN"))

    running.feed(traits(person, country="TH"))

    assert running.members("vn") == [other]
    assert _log(running, "vn", after=2) == [(person, EXITED, "CONDITION_UNMATCHED")]
    assert running.get("vn").member_count == 1


def test_events_of_unrelated_names_do_not_change_membership(running: Running) -> None:
    running.ready("no-refunds", 'traits.country == "VN" and not event("Refund").exists()')
    person = new_profile()
    running.feed(traits(person, country="VN"))

    running.feed(event(person, "Page Viewed"))
    running.feed(event(person, "Refund"))

    assert running.members("no-refunds") == []
    assert _log(running, "no-refunds") == [
        (person, ENTERED, "CONDITION_MATCHED"),
        (person, EXITED, "CONDITION_UNMATCHED"),
    ]


def test_people_without_consent_are_counted_as_excluded_and_never_listed(running: Running) -> None:
    running.ready("vn", VN)
    denied, granted = new_profile(), new_profile()
    running.consent.deny(denied)

    running.feed(traits(denied, country="VN"), traits(granted, country="VN"))

    segment = running.get("vn")
    assert running.members("vn") == [granted]
    assert (segment.member_count, segment.excluded_count) == (1, 1)
    assert [p for p, _, _ in _log(running, "vn")] == [granted]


def test_the_batch_computation_excludes_people_without_consent_too(running: Running) -> None:
    denied, granted = new_profile(), new_profile()
    running.consent.deny(denied)
    running.feed(traits(denied, country="VN"), traits(granted, country="VN"))

    running.ready("vn", VN)

    segment = running.get("vn")
    assert running.members("vn") == [granted]
    assert (segment.member_count, segment.excluded_count) == (1, 1)


def test_a_consent_update_lets_a_person_in_and_takes_them_out(running: Running) -> None:
    running.ready("vn", VN)
    person, subject = new_profile(), new_subject()
    running.consent.deny(person)
    running.feed(traits(person, subject=subject, country="VN"))
    consent_feed = feed_grpc.SegmentationFeedServiceStub(running.channel)

    def consent_changed() -> int:
        request = feed_pb.ApplyConsentUpdatesRequest(subject_ids=[subject])
        response = consent_feed.ApplyConsentUpdates(
            request, metadata=running.md("service"), timeout=TIMEOUT
        )
        return response.rechecked_count

    running.consent.grant(person)
    granted = (consent_changed(), running.members("vn"))
    running.consent.deny(person)
    withdrawn = (consent_changed(), running.members("vn"))

    assert granted == (1, [person])
    assert withdrawn == (1, [])
    assert _log(running, "vn") == [
        (person, ENTERED, "CONSENT_GRANTED"),
        (person, EXITED, "CONSENT_WITHDRAWN"),
    ]
    assert running.get("vn").excluded_count == 1


def test_a_merge_exits_the_absorbed_profile_and_evaluates_the_survivor(running: Running) -> None:
    running.ready("buyers", 'event("Order Completed").exists()')
    running.ready("repeat-buyers", 'event("Order Completed").count() >= 2')
    survivor, absorbed = sorted([new_profile(), new_profile()])
    running.feed(event(survivor, "Order Completed"), event(absorbed, "Order Completed"))

    running.feed(merged(survivor, absorbed))

    assert running.members("buyers") == [survivor]
    assert running.members("repeat-buyers") == [survivor]
    assert _log(running, "buyers", after=2) == [(absorbed, EXITED, "MERGED")]
    assert _log(running, "repeat-buyers") == [(survivor, ENTERED, "CONDITION_MATCHED")]
    assert running.get("buyers").member_count == 1


def test_a_merge_moves_the_absorbed_profiles_history_to_the_survivor(running: Running) -> None:
    running.ready("pro-buyers", 'traits.plan == "pro" and event("Order Completed").exists()')
    survivor, absorbed = new_profile(), new_profile()
    running.feed(traits(survivor, plan="pro"), event(absorbed, "Order Completed"))

    running.feed(merged(survivor, absorbed))

    assert running.members("pro-buyers") == [survivor]


def test_segments_that_read_a_segment_follow_it_in_the_same_call(running: Running) -> None:
    running.ready("vn", VN)
    running.ready("vn-pro", 'segment("vn") and traits.plan == "pro"')
    running.ready("not-vn", 'not segment("vn")')
    person = new_profile()
    running.feed(traits(person, plan="pro", country="TH"))
    entered = (running.members("vn-pro"), running.members("not-vn"))

    running.feed(traits(person, country="VN"))
    moved = (running.members("vn"), running.members("vn-pro"), running.members("not-vn"))
    running.feed(traits(person, country="TH"))

    assert entered == ([], [person])
    assert moved == ([person], [person], [])
    assert running.members("vn-pro") == [] and running.members("not-vn") == [person]
    assert [kind for _, kind, _ in _log(running, "vn-pro")] == [ENTERED, EXITED]


def test_a_replayed_update_is_applied_once(running: Running) -> None:
    running.ready("repeat-buyers", 'event("Order Completed").count() >= 2')
    person = new_profile()
    order = event(person, "Order Completed")
    replayed = feed_pb.ApplyProfileUpdatesRequest(updates=[order])
    replayed.updates[0].sequence = 1
    feed = feed_grpc.SegmentationFeedServiceStub(running.channel)

    counts = [
        feed.ApplyProfileUpdates(
            replayed, metadata=running.md("service"), timeout=TIMEOUT
        ).applied_count
        for _ in range(2)
    ]

    assert counts == [1, 0]
    assert running.members("repeat-buyers") == []


def test_a_malformed_profile_name_in_the_feed_is_invalid_argument(running: Running) -> None:
    bad = traits("x", country="VN")
    bad.traits.profile = "people/x"

    err = failure(lambda: running.feed(bad))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason(err) == "INVALID_PROFILE_NAME"


def test_preview_counts_matches_and_exclusions_without_saving(running: Running) -> None:
    people = sorted(new_profile() for _ in range(3))
    running.consent.deny(people[0])
    running.ready("anything", "traits.country exists")  # a purpose in use: consent is asked
    running.feed(*(traits(p, country="VN") for p in people))

    preview = running.call(
        "PreviewSegment",
        pb.PreviewSegmentRequest(condition=VN, purpose="email_marketing", sample_size=1),
    )

    assert (preview.member_count, preview.excluded_count) == (2, 1)
    assert list(preview.sample_profiles) == [f"profiles/{people[1]}"]
    assert [s.name for s in running.call("ListSegments", pb.ListSegmentsRequest()).segments] == [
        "segments/anything"
    ]


def test_a_consent_that_expires_unannounced_is_noticed_by_the_scheduled_refresh(
    running: Running,
) -> None:
    running.ready("vn", VN)
    person, other = new_profile(), new_profile()
    running.feed(traits(person, country="VN"), traits(other, country="VN"))
    assert running.members("vn") == sorted([person, other])
    running.consent.deny(person)  # its expire_time passed: no record, no feed message

    untouched = batch.refresh_granted_consent(running.app.context)  # checked just now: too young
    refreshed = batch.refresh_granted_consent(running.app.context, older_than=0)

    assert untouched == 0 and refreshed == 2
    assert running.members("vn") == [other]
    assert _log(running, "vn")[-1] == (person, EXITED, "CONSENT_WITHDRAWN")
