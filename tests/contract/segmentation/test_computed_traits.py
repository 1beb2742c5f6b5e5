"""Computed traits over the real server: definitions, and values delivered to a profile service.

The server runs with its background work (scheduler and outbox relay) against a small in-test
ProfileService on 127.0.0.1:0 that records every ApplyComputedTraits call it answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from cdp.api.profile.v1 import profile_service_pb2 as profile_pb
from cdp.api.profile.v1 import profile_service_pb2_grpc as profile_grpc
from cdp.api.segmentation.v1 import computed_trait_pb2, segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from tests.contract.segmentation.builders import DAY, SECOND, event, new_profile, now_micros
from tests.contract.segmentation.harness import Running, failure, field_violations, reason, serve
from tests.support.client import wait_for

ORDERS = 'event("Order Completed").count(within = 30d)'
UNSET = object()


class RecordingProfile(profile_grpc.ProfileServiceServicer):
    """Keeps the newest computed value per (profile, key) as the profile service would show it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.values: dict[tuple[str, str], Any] = {}
        self.calls = 0

    def ApplyComputedTraits(self, request, context):
        with self._lock:
            self.calls += 1
            for value in request.values:
                profile = value.profile.removeprefix("profiles/")
                if value.HasField("trait"):
                    key = value.trait.key
                    self.values[(profile, key)] = json_format.MessageToDict(value.trait.value)
                else:
                    self.values[(profile, value.key)] = UNSET
        return profile_pb.ApplyComputedTraitsResponse(applied_count=len(request.values))

    def value(self, profile: str, key: str) -> Any:
        with self._lock:
            return self.values.get((profile, key))


@pytest.fixture
def profile() -> Iterator[tuple[RecordingProfile, grpc.Channel]]:
    fake = RecordingProfile()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    profile_grpc.add_ProfileServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield fake, channel
    channel.close()
    server.stop(None).wait()


@pytest.fixture
def live(dev_dir: Path, database_url: str, mint, profile) -> Iterator[Running]:
    """The server with its scheduler (re-checking windows every second) and its relay running."""
    env = {"CDP_SEGMENTATION_RECHECK_SECONDS": "1"}
    with serve(
        dev_dir, database_url, mint, env=env, background=True, profile_channel=profile[1]
    ) as server:
        yield server


def _define(running: Running, key: str, expression: str, **fields: Any):
    request = pb.CreateComputedTraitRequest(
        computed_trait_id=key,
        computed_trait=computed_trait_pb2.ComputedTrait(expression=expression, **fields),
    )
    return running.call("CreateComputedTrait", request).computed_trait


def _ready(running: Running, segment_id: str) -> segment_pb2.Segment:
    segment = running.get(segment_id)
    assert segment.compute_state == segment_pb2.COMPUTE_STATE_READY
    return segment


def test_values_reach_the_profile_service_as_events_arrive(live: Running, profile) -> None:
    recorder, _channel = profile
    buyer, browser = new_profile(), new_profile()
    live.feed(event(buyer, "Order Completed"), event(browser, "Page Viewed"))
    created = _define(live, "orders_30d", ORDERS, display_name="Orders, 30 days")

    wait_for(lambda: recorder.value(buyer, "orders_30d") == 1)
    wait_for(lambda: recorder.value(browser, "orders_30d") == 0)
    live.feed(event(buyer, "Order Completed"), event(browser, "Order Completed"))

    wait_for(lambda: recorder.value(buyer, "orders_30d") == 2)
    wait_for(lambda: recorder.value(browser, "orders_30d") == 1)
    assert created.name == "computedTraits/orders_30d"
    assert created.expression == ORDERS and created.display_name == "Orders, 30 days"


def test_a_windowed_value_is_recomputed_as_events_age_out(live: Running, profile) -> None:
    recorder, _channel = profile
    person = new_profile()
    edge = now_micros() - 30 * DAY + 3 * SECOND
    live.feed(event(person, "Order Completed", at=edge), event(person, "Order Completed"))
    _define(live, "orders_30d", ORDERS)

    wait_for(lambda: recorder.value(person, "orders_30d") == 2)

    wait_for(lambda: recorder.value(person, "orders_30d") == 1, timeout=30)


def test_segments_read_computed_traits(live: Running, profile) -> None:
    defined = _define(live, "orders_30d", ORDERS)
    got = live.call("GetComputedTrait", pb.GetComputedTraitRequest(name=defined.name))
    live.create("repeat-buyers", "computed.orders_30d >= 2")
    wait_for(lambda: _ready(live, "repeat-buyers"))
    person = new_profile()

    live.feed(event(person, "Order Completed"))
    after_one = live.members("repeat-buyers")
    live.feed(event(person, "Order Completed"))

    assert got.computed_trait == defined
    assert after_one == []
    assert live.members("repeat-buyers") == [person]


def test_a_computed_trait_in_use_cannot_be_deleted_and_deleting_it_unsets_the_values(
    live: Running, profile
) -> None:
    recorder, _channel = profile
    person = new_profile()
    live.feed(event(person, "Order Completed"))
    _define(live, "orders_30d", ORDERS)
    live.create("buyers", "computed.orders_30d >= 1")
    wait_for(lambda: recorder.value(person, "orders_30d") == 1)
    delete = pb.DeleteComputedTraitRequest(name="computedTraits/orders_30d")

    refused = failure(lambda: live.call("DeleteComputedTrait", delete))
    live.call("DeleteSegment", pb.DeleteSegmentRequest(name="segments/buyers"))
    live.call("DeleteComputedTrait", delete)

    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason(refused) == "COMPUTED_TRAIT_IN_USE"
    wait_for(lambda: recorder.value(person, "orders_30d") is UNSET)
    err = failure(
        lambda: live.call("GetComputedTrait", pb.GetComputedTraitRequest(name=delete.name))
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND


def test_computed_traits_are_listed_in_pages(running: Running) -> None:
    keys = [f"orders_{n}d" for n in (1, 7, 30)]
    for key in keys:
        _define(running, key, ORDERS)

    first = running.call("ListComputedTraits", pb.ListComputedTraitsRequest(page_size=2))
    rest = running.call(
        "ListComputedTraits",
        pb.ListComputedTraitsRequest(page_size=2, page_token=first.next_page_token),
    )

    listed = [t.name for t in [*first.computed_traits, *rest.computed_traits]]
    assert listed == sorted(f"computedTraits/{k}" for k in keys)
    assert rest.next_page_token == ""


@pytest.mark.parametrize(
    ("key", "expression", "why", "field"),
    [
        ("Orders", ORDERS, "INVALID_COMPUTED_TRAIT_ID", "computed_trait_id"),
        ("orders", "", "FIELD_REQUIRED", "computed_trait.expression"),
        (
            "orders",
            'event("Order Completed").count(within = )',
            "INVALID_CONDITION",
            "computed_trait.expression",
        ),
        ("orders", 'traits.plan == "pro"', "INVALID_CONDITION", "computed_trait.expression"),
    ],
)
def test_a_bad_computed_trait_is_invalid_argument(
    running: Running, key: str, expression: str, why: str, field: str
) -> None:
    err = failure(lambda: _define(running, key, expression))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (reason(err), field_violations(err)) == (why, [field])


def test_a_computed_trait_key_is_unique(running: Running) -> None:
    _define(running, "orders_30d", ORDERS)

    err = failure(lambda: _define(running, "orders_30d", 'event("Refund").count()'))

    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
