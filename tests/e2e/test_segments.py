"""Segmentation over the whole running suite: the issue's example audience and computed traits."""

from __future__ import annotations

import time

import pytest
from google.protobuf.json_format import MessageToDict

from tests.e2e.test_segments_helpers import (
    ENTERED,
    Person,
    Segments,
    Watch,
    grant,
    seed,
    send,
)
from tests.support.client import SuiteClient, wait_for

ISSUE_CONDITION = (
    'traits.country == "VN" and event("Order Completed").count(within = 30d) >= 2 '
    'and not event("Refund").exists(within = 90d)'
)
DAY = 86_400.0


@pytest.fixture(scope="module")
def segments(client: SuiteClient) -> Segments:
    return Segments(client)


def test_the_issue_example_admits_repeat_buyers_with_consent_and_nobody_else(
    client: SuiteClient, segments: Segments
) -> None:
    # Only this test seeds people in VN: the segment's counts are this test's people alone.
    segment = segments.create(ISSUE_CONDITION, "email_marketing", "VN repeat buyers")
    buyer, refunder, silent = (Person.new(kind, country="VN") for kind in ("buyer", "ref", "quiet"))
    seed(client, [buyer, refunder, silent], "Order Completed")
    grant(client, buyer, "email_marketing")
    grant(client, refunder, "email_marketing")
    # Segmentation has their consent before the second order: the buyer enters on the condition.
    wait_for(
        lambda: (
            {buyer.profile, refunder.profile}
            <= segments.preview_sample('traits.country == "VN"', "email_marketing")
        ),
        timeout=30,
    )
    assert segments.members(segment.name) == set()

    with Watch(client, segment) as watch:
        send(client, [refunder.track("Refund", order="r-1")])
        send(client, [p.track("Order Completed", revenue=12.5) for p in (buyer, refunder, silent)])

        entered = watch.wait_change(buyer.profile, ENTERED, "CONDITION_MATCHED")
        assert entered.change.segment == segment.name
        wait_for(lambda: segments.members(segment.name) == {buyer.profile}, timeout=30)
        # The silent person matches but never consented: counted as excluded, never listed.
        counted = wait_for(lambda: (s := segments.get(segment.name)).excluded_count == 1 and s)
        assert counted.member_count == 1
        # Segmentation has applied the refunder's second order (they match all but the refund).
        two_orders = (
            'event("Order Completed").count(within = 30d) >= 2 and event("Refund").exists()'
        )
        wait_for(
            lambda: refunder.profile in segments.preview_sample(two_orders, "email_marketing"),
            timeout=30,
        )
        assert segments.members(segment.name) == {buyer.profile}
        assert watch.changes_for(refunder.profile) == []
        assert watch.changes_for(silent.profile) == []
        assert watch.changes_for(buyer.profile) == [(ENTERED, "CONDITION_MATCHED")]


def test_computed_traits_appear_on_profiles_and_drive_conditions(
    client: SuiteClient, segments: Segments
) -> None:
    segments.create_trait("orders_30d", 'event("Order Completed").count(within = 30d)')
    segments.create_trait("lifetime_revenue", 'event("Order Completed").sum(properties.revenue)')
    frequent, occasional = Person.new("frequent"), Person.new("occasional")
    seed(client, [frequent, occasional])
    now = time.time()
    send(
        client,
        [
            frequent.track("Order Completed", timestamp=now - 45 * DAY, revenue=100.0),
            frequent.track("Order Completed", timestamp=now - 3 * DAY, revenue=20.5),
            frequent.track("Order Completed", timestamp=now - 60.0, revenue=4.25),
            occasional.track("Order Completed", timestamp=now - 60.0, revenue=7.0),
        ],
    )

    wait_for(
        lambda: _computed(client, frequent) == {"orders_30d": 2, "lifetime_revenue": 124.75},
        timeout=60,
    )
    wait_for(
        lambda: _computed(client, occasional) == {"orders_30d": 1, "lifetime_revenue": 7.0},
        timeout=60,
    )

    segment = segments.create("computed.orders_30d >= 2", "analytics", "Frequent buyers")
    for person in (frequent, occasional):
        grant(client, person, "analytics")
    wait_for(lambda: frequent.profile in segments.members(segment.name), timeout=30)
    # The occasional buyer's consent is known (preview counts them eligible), yet they stay out.
    wait_for(
        lambda: (
            occasional.profile in segments.preview_sample("computed.orders_30d >= 1", "analytics")
        )
    )
    assert occasional.profile not in segments.members(segment.name)

    # A second recent order raises the computed trait, and the person enters the segment.
    with Watch(client, segments.get(segment.name)) as watch:
        send(client, [occasional.track("Order Completed", revenue=3.0)])
        watch.wait_change(occasional.profile, ENTERED, "CONDITION_MATCHED")
    wait_for(lambda: _computed(client, occasional) == {"orders_30d": 2, "lifetime_revenue": 10.0})
    assert {frequent.profile, occasional.profile} <= segments.members(segment.name)


def _computed(client: SuiteClient, person: Person) -> dict:
    """The profile's computed traits as plain values (numbers as floats: 2.0 == 2)."""
    profile = client.profile(user_id=person.user_id)
    return {t.key: MessageToDict(t.value) for t in profile.computed_traits}
