"""ProfileService over a real channel: lookups, masks, timelines, rich errors and authorisation."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cdp.api.identity.v1 import identifier_pb2
from cdp.api.ingestion.v1 import event_pb2
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.grpcx.status import error_info
from tests.contract.profile.conftest import Running, field_violations
from tests.integration.profile.support import SECOND, as_event, as_merge, event, new_profile

T0 = 1_700_000_000 * SECOND
TRACK, PAGE, IDENTIFY = (
    event_pb2.EVENT_TYPE_TRACK,
    event_pb2.EVENT_TYPE_PAGE,
    event_pb2.EVENT_TYPE_IDENTIFY,
)


def _seed(running: Running) -> tuple[str, list[event_pb2.Event]]:
    """One person: an identify (email personal, plan public), then tracks and pages, a second apart."""
    person = new_profile()
    sent = [
        event("identify", user_id="u-1", traits={"email": "An@Example.com", "plan": "pro"}, at=T0)
    ]
    sent += [
        event(
            "track" if i % 2 else "page",
            user_id="u-1",
            name=f"E{i}",
            at=T0 + i * SECOND,
            properties={"i": i, "email": "an@example.com"},
        )
        for i in range(1, 8)
    ]
    response = running.apply(
        *(as_event(n + 1, person, running.sealer.seal(e)) for n, e in enumerate(sent))
    )
    assert response.applied_count == len(sent)
    running.identity.link(person, "user_id", "u-1", sent[0].message_id)
    running.identity.link(person, "email", "an@example.com", sent[0].message_id)
    return person, sent


def _get(running: Running, role: str = "profile_reader", **request) -> pb.Profile:
    return running.stub.GetProfile(
        pb.GetProfileRequest(**request), metadata=running.md(role), timeout=10
    ).profile


def _error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def test_get_profile_by_name_returns_traits_with_provenance_and_identities(
    running: Running,
) -> None:
    person, sent = _seed(running)

    profile = _get(running, name=f"profiles/{person}")

    traits = {t.key: t for t in profile.traits}
    assert traits["email"].value.string_value == "An@Example.com" and traits["email"].personal
    assert traits["plan"].value.string_value == "pro" and not traits["plan"].personal
    assert traits["plan"].provenance.message_id == sent[0].message_id
    assert traits["plan"].provenance.event_time.ToMicroseconds() == T0
    assert [(i.type, i.value) for i in profile.identities] == [
        ("user_id", "u-1"),
        ("email", "an@example.com"),
    ]
    assert profile.event_count == 8
    assert profile.first_seen_time.ToMicroseconds() == T0
    assert profile.last_seen_time.ToMicroseconds() == T0 + 7 * SECOND


def test_get_profile_by_identifier_asks_identity_for_the_profile(running: Running) -> None:
    person, _sent = _seed(running)
    identifier = identifier_pb2.Identifier(type="email", value="  AN@example.COM ")

    profile = _get(running, identifier=identifier)

    assert profile.name == f"profiles/{person}"
    assert running.identity.calls["LookupProfile"] == 1


def test_a_read_mask_returns_only_its_fields_and_skips_identity(running: Running) -> None:
    person, _sent = _seed(running)
    mask = {"paths": ["traits", "event_count"]}

    profile = _get(running, name=f"profiles/{person}", read_mask=mask)

    assert len(profile.traits) == 2 and profile.event_count == 8
    assert not profile.identities and not profile.HasField("first_seen_time")
    assert running.identity.calls["ListProfileIdentities"] == 0


def test_an_unknown_read_mask_path_is_invalid_argument(running: Running) -> None:
    person, _sent = _seed(running)

    err = _error(
        lambda: _get(
            running, name=f"profiles/{person}", read_mask={"paths": ["traits", "password"]}
        )
    )

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == ["read_mask"]


@pytest.mark.parametrize("name", ["people/p0123456789abcdef01234567", "profiles/", "profiles/x"])
def test_a_malformed_name_is_invalid_argument_naming_the_field(running: Running, name: str) -> None:
    err = _error(lambda: _get(running, name=name))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(err).reason == "INVALID_PROFILE_NAME"
    assert field_violations(err) == ["name"]


def test_an_unknown_profile_is_not_found(running: Running) -> None:
    err = _error(lambda: _get(running, name=f"profiles/{new_profile()}"))

    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(err).reason == "PROFILE_NOT_FOUND"


def test_an_unknown_identifier_is_not_found_without_echoing_the_value(running: Running) -> None:
    identifier = identifier_pb2.Identifier(type="email", value="nobody@example.com")

    err = _error(lambda: _get(running, identifier=identifier))

    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(err).reason == "PROFILE_NOT_FOUND"
    assert "nobody" not in (err.details() or "")


def test_an_invalid_identifier_is_invalid_argument(running: Running) -> None:
    identifier = identifier_pb2.Identifier(type="email", value="not an address")

    err = _error(lambda: _get(running, identifier=identifier))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(err).reason == "INVALID_EMAIL"
    assert field_violations(err) == ["identifier.value"]
    assert running.identity.calls["LookupProfile"] == 0


def test_batch_get_answers_in_request_order(running: Running) -> None:
    first, _ = _seed(running)
    second = new_profile()
    running.apply(as_event(100, second, running.sealer.seal(event("track", user_id="u-2"))))
    names = [f"profiles/{second}", f"profiles/{first}"]

    response = running.stub.BatchGetProfiles(
        pb.BatchGetProfilesRequest(names=names), metadata=running.md(), timeout=10
    )

    assert [p.name for p in response.profiles] == names
    assert [p.event_count for p in response.profiles] == [1, 8]


def test_batch_get_names_the_missing_profile(running: Running) -> None:
    present, _ = _seed(running)
    missing = f"profiles/{new_profile()}"
    request = pb.BatchGetProfilesRequest(names=[f"profiles/{present}", missing])

    err = _error(lambda: running.stub.BatchGetProfiles(request, metadata=running.md(), timeout=10))

    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(err).metadata["name"] == missing


def test_batch_get_refuses_more_than_100_names(running: Running) -> None:
    request = pb.BatchGetProfilesRequest(names=[f"profiles/{new_profile()}"] * 101)

    err = _error(lambda: running.stub.BatchGetProfiles(request, metadata=running.md(), timeout=10))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == ["names"]


def _list(running: Running, **request) -> pb.ListProfileEventsResponse:
    return running.stub.ListProfileEvents(
        pb.ListProfileEventsRequest(**request), metadata=running.md(), timeout=10
    )


def test_the_timeline_pages_newest_first_to_the_end(running: Running) -> None:
    person, sent = _seed(running)
    seen, token, pages = [], "", 0
    while pages < 10:
        page = _list(running, parent=f"profiles/{person}", page_size=3, page_token=token)
        seen += [e.message_id for e in page.events]
        token, pages = page.next_page_token, pages + 1
        if not token:
            break

    assert pages == 3
    assert seen == [e.message_id for e in reversed(sent)]


def test_the_timeline_filters_by_type_and_time_range(running: Running) -> None:
    person, _sent = _seed(running)
    start, end = {"seconds": 1_700_000_002}, {"seconds": 1_700_000_006}

    tracks = _list(running, parent=f"profiles/{person}", types=[TRACK])
    window = _list(running, parent=f"profiles/{person}", start_time=start, end_time=end)
    pages = _list(running, parent=f"profiles/{person}", types=[PAGE, IDENTIFY], start_time=start)

    assert [e.event for e in tracks.events] == ["E7", "E5", "E3", "E1"]
    assert [e.event for e in window.events] == ["E5", "E4", "E3", "E2"]
    assert [e.event for e in pages.events] == ["E6", "E4", "E2"]


def test_events_come_back_exactly_as_sent(running: Running) -> None:
    person, sent = _seed(running)

    events = {e.message_id: e for e in _list(running, parent=f"profiles/{person}").events}

    for original in sent:
        stored = events[original.message_id]
        assert json_format.MessageToDict(stored.properties) == json_format.MessageToDict(
            original.properties
        )
        assert json_format.MessageToDict(stored.traits) == json_format.MessageToDict(
            original.traits
        )
        assert stored.type == original.type and stored.source == "test-source"


def test_a_page_token_from_another_listing_is_invalid_argument(running: Running) -> None:
    person, _sent = _seed(running)
    token = _list(running, parent=f"profiles/{person}", page_size=2).next_page_token

    err = _error(
        lambda: _list(running, parent=f"profiles/{person}", page_token=token, types=[TRACK])
    )

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(err).reason == "INVALID_PAGE_TOKEN"
    assert field_violations(err) == ["page_token"]


def test_an_absorbed_name_keeps_working_after_a_merge(running: Running) -> None:
    survivor, _sent = _seed(running)
    absorbed = new_profile()
    running.apply(
        as_event(50, absorbed, running.sealer.seal(event("track", anonymous_id="a-1"))),
        as_merge(51, survivor, absorbed),
    )

    profile = _get(running, name=f"profiles/{absorbed}", read_mask={"paths": ["merged_profiles"]})
    listed = _list(running, parent=f"profiles/{absorbed}", page_size=1000)

    assert profile.name == f"profiles/{survivor}"
    assert list(profile.merged_profiles) == [f"profiles/{absorbed}"]
    assert len(listed.events) == 9


def test_redelivered_changes_are_not_applied_twice(running: Running) -> None:
    person = new_profile()
    change = as_event(7, person, running.sealer.seal(event("track", user_id="u-9")))

    counts = [running.apply(change).applied_count for _ in range(2)]

    assert counts == [1, 0]


@pytest.mark.parametrize("method", ["GetProfile", "ListProfileEvents", "ApplyProfileChanges"])
def test_an_ingest_writer_may_not_read_or_write_profiles(running: Running, method: str) -> None:
    requests = {
        "GetProfile": pb.GetProfileRequest(name=f"profiles/{new_profile()}"),
        "ListProfileEvents": pb.ListProfileEventsRequest(parent=f"profiles/{new_profile()}"),
        "ApplyProfileChanges": pb.ApplyProfileChangesRequest(),
    }

    err = _error(
        lambda: getattr(running.stub, method)(
            requests[method], metadata=running.md("ingest_writer"), timeout=10
        )
    )

    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(err).reason == "ROLE_NOT_ALLOWED"


def test_a_profile_reader_may_not_apply_changes(running: Running) -> None:
    err = _error(
        lambda: running.stub.ApplyProfileChanges(
            pb.ApplyProfileChangesRequest(), metadata=running.md("profile_reader"), timeout=10
        )
    )

    assert err.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_call_without_a_token_is_unauthenticated(running: Running) -> None:
    err = _error(
        lambda: running.stub.GetProfile(pb.GetProfileRequest(name="profiles/x"), timeout=10)
    )

    assert err.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_change_with_a_malformed_profile_name_names_its_field(running: Running) -> None:
    change = pb.ProfileChange(sequence=1, merged=pb.ProfilesMerged(profile="profiles/nope"))

    err = _error(lambda: running.apply(change))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == ["changes[0].merged.profile"]


def test_health_reports_serving(running: Running) -> None:
    response = health_pb2_grpc.HealthStub(running.channel).Check(
        health_pb2.HealthCheckRequest(service="cdp.api.profile.v1.ProfileService"), timeout=10
    )

    assert response.status == health_pb2.HealthCheckResponse.SERVING
