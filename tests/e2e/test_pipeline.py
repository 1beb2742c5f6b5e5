"""Events become people: the real suite on 127.0.0.1, from IngestEvents to GetProfile."""

from __future__ import annotations

import time
import uuid

import grpc
import pytest

from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.api.ingestion.v1 import ingestion_service_pb2 as ingestion_pb
from tests.support.client import SuiteClient, event, struct_dict, wait_for


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_anonymous_browsing_then_identify_is_one_profile_with_one_timeline(
    client: SuiteClient,
) -> None:
    anonymous, email = _unique("anon"), f"{_unique('an')}@example.com"
    start = time.time() - 100
    pages = [
        event("page", anonymous_id=anonymous, name=f"Page {i}", timestamp=start + i)
        for i in range(5)
    ]
    identify = event(
        "identify",
        anonymous_id=anonymous,
        user_id=_unique("user"),
        timestamp=start + 10,
        traits={"email": email, "plan": "pro"},
    )
    response = client.ingest([*pages, identify])
    assert [r.status for r in response.results] == [ingestion_pb.EVENT_STATUS_ACCEPTED] * 6

    profile = wait_for(
        lambda: (p := client.profile(email=email.upper())) and p.event_count == 6 and p
    )
    assert client.profile(anonymous_id=anonymous).name == profile.name
    timeline = client.timeline(profile.name)
    assert [e.message_id for e in timeline] == [e.message_id for e in reversed([*pages, identify])]
    traits = {t.key: t for t in profile.traits}
    assert traits["email"].value.string_value == email and traits["email"].personal
    assert traits["plan"].provenance.message_id == identify.message_id


def test_vietnamese_phone_spellings_make_one_profile(client: SuiteClient) -> None:
    first = event(
        "identify",
        user_id=_unique("user"),
        traits={"phone": "0912 345 678", "name": "Nguyễn Văn An"},
    )
    second = event(
        "track",
        anonymous_id=_unique("anon"),
        name="Order Completed",
        context={"traits": {"phone": "+84912345678"}},
    )
    client.ingest([first, second])
    profile = wait_for(
        lambda: (p := client.profile(phone="+84 912 345 678")) and p.event_count >= 2 and p
    )
    assert {e.message_id for e in client.timeline(profile.name)} >= {
        first.message_id,
        second.message_id,
    }


def test_thai_phone_spellings_make_one_profile(client: SuiteClient) -> None:
    context = {"locale": "th-TH"}
    first = event(
        "identify", user_id=_unique("user"), traits={"phone": "02 123 4567"}, context=context
    )
    second = event(
        "identify", anonymous_id=_unique("anon"), traits={"phone": "+6621234567"}, context=context
    )
    client.ingest([first, second])
    profile = wait_for(
        lambda: (p := client.profile(phone="+66 2 123 4567")) and p.event_count == 2 and p
    )
    assert profile.event_count == 2


def test_a_shared_device_does_not_become_a_super_profile(client: SuiteClient) -> None:
    device = _unique("tablet")
    logins = [
        event(
            "identify",
            user_id=_unique("customer"),
            context={"device": {"id": device}},
            traits={"plan": "basic"},
        )
        for _ in range(50)
    ]
    client.ingest(logins)
    names = wait_for(
        lambda: (
            len(found := {client.profile(user_id=e.user_id).name for e in logins}) == 50 and found
        ),
        timeout=60,
    )
    assert len(names) == 50
    refused = [
        r
        for name in list(names)[:10]
        for r in client.explain(name).records
        if r.kind == identity_pb.MERGE_KIND_REFUSED
    ]
    assert refused and all(r.reason == "LIMIT_EXCEEDED" for r in refused)
    assert any("user_id" in r.rule for r in refused)


@pytest.mark.parametrize("placeholder", ["undefined", "null", "0", "anonymous"])
def test_blocked_values_never_link_two_people(client: SuiteClient, placeholder: str) -> None:
    a = event("identify", user_id=_unique("a"), anonymous_id=placeholder, traits={"plan": "a"})
    b = event("identify", user_id=_unique("b"), anonymous_id=placeholder, traits={"plan": "b"})
    client.ingest([a, b])
    first = wait_for(lambda: client.profile(user_id=a.user_id))
    second = wait_for(lambda: client.profile(user_id=b.user_id))
    assert first.name != second.name
    with pytest.raises(grpc.RpcError) as caught:
        client.lookup("anonymous_id", placeholder)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_resending_a_batch_answers_duplicate_and_stores_nothing_twice(client: SuiteClient) -> None:
    user = _unique("user")
    batch = [
        event("track", user_id=user, name="Product Viewed", properties={"sku": f"S{i}"})
        for i in range(20)
    ]
    assert client.ingest(batch).accepted_count == 20
    again = client.ingest(batch)
    assert again.duplicate_count == 20
    assert {r.status for r in again.results} == {ingestion_pb.EVENT_STATUS_DUPLICATE}
    profile = wait_for(lambda: (p := client.profile(user_id=user)) and p.event_count == 20 and p)
    time.sleep(0.5)  # give a wrongly duplicated delivery the chance to show up
    assert client.profile(user_id=user).event_count == 20
    assert len(client.timeline(profile.name)) == 20


def test_an_invalid_event_is_rejected_with_its_field_and_the_rest_accepted(
    client: SuiteClient,
) -> None:
    user = _unique("user")
    good = event("track", user_id=user, name="Signed Up")
    bad = event("identify", user_id=user, traits={"email": "x" * 250 + "@example.com"})
    response = client.ingest([good, bad])
    assert response.results[0].status == ingestion_pb.EVENT_STATUS_ACCEPTED
    assert response.results[1].status == ingestion_pb.EVENT_STATUS_REJECTED
    assert response.results[1].field == "events[1].traits.email"
    profile = wait_for(lambda: client.profile(user_id=user))
    time.sleep(0.3)
    assert [e.message_id for e in client.timeline(profile.name)] == [good.message_id]


def test_late_events_do_not_overwrite_newer_trait_values(client: SuiteClient) -> None:
    user, now = _unique("user"), time.time()
    newer = event("identify", user_id=user, traits={"plan": "enterprise"}, timestamp=now - 10)
    older = event("identify", user_id=user, traits={"plan": "free"}, timestamp=now - 1000)
    client.ingest([newer])
    client.ingest([older])
    profile = wait_for(lambda: (p := client.profile(user_id=user)) and p.event_count == 2 and p)
    plan = next(t for t in profile.traits if t.key == "plan")
    assert (
        plan.value.string_value == "enterprise" and plan.provenance.message_id == newer.message_id
    )


def test_an_unknown_identifier_is_not_found(client: SuiteClient) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.profile(email=f"{_unique('nobody')}@example.com")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_properties_and_context_come_back_exactly_as_sent(client: SuiteClient) -> None:
    user = _unique("user")
    properties = {
        "revenue": 19.99,
        "products": [{"sku": "A", "name": "Áo dài", "price": 10}],
        "coupon": None,
    }
    context = {
        "ip": "203.0.113.9",
        "locale": "vi-VN",
        "device": {"id": _unique("dev"), "model": "iPhone"},
    }
    sent = event(
        "track", user_id=user, name="Order Completed", properties=properties, context=context
    )
    client.ingest([sent])
    profile = wait_for(lambda: client.profile(user_id=user))
    (stored,) = client.timeline(profile.name)
    assert struct_dict(stored.properties) == properties
    assert struct_dict(stored.context) == context
