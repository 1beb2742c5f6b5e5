"""Operator reads of profiles are audited once each on consent before they answer (R22, T27)."""

from __future__ import annotations

import itertools

import grpc
import pytest

from cdp.api.identity.v1 import identifier_pb2
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.grpcx.status import error_info
from tests.contract.profile.conftest import Running
from tests.integration.profile.support import SECOND, as_event, event, new_profile

T0 = 1_700_000_000 * SECOND
METHOD = "/cdp.api.profile.v1.ProfileService/"
# Identity's change sequence only grows; profile skips changes at or below the last one applied.
_SEQUENCE = itertools.count(1)


def _person(running: Running, user_id: str) -> str:
    person = new_profile()
    sent = [
        event("identify", user_id=user_id, traits={"email": f"{user_id}@example.test"}, at=T0),
        event("track", user_id=user_id, name="Viewed", at=T0 + SECOND),
    ]
    running.apply(*(as_event(next(_SEQUENCE), person, running.sealer.seal(e)) for e in sent))
    running.identity.link(person, "user_id", user_id, sent[0].message_id)
    return person


def _error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def test_an_operator_get_profile_is_audited_once_with_method_and_profile(
    running: Running,
) -> None:
    person = _person(running, "u-audit-1")

    profile = running.stub.GetProfile(
        pb.GetProfileRequest(name=f"profiles/{person}"), metadata=running.md(), timeout=10
    ).profile

    assert profile.name == f"profiles/{person}"
    [call] = running.consent.calls
    assert call.method == METHOD + "GetProfile"
    assert call.profiles == (f"profiles/{person}",)
    assert call.service == "profile" and call.actor == "test"
    assert call.caller_roles == {"service"}  # profile's own token carries the call


def test_a_lookup_by_identifier_is_still_one_audit(running: Running) -> None:
    person = _person(running, "u-audit-2")
    identifier = identifier_pb2.Identifier(type="user_id", value="u-audit-2")

    running.stub.GetProfile(
        pb.GetProfileRequest(identifier=identifier), metadata=running.md(), timeout=10
    )

    assert [(c.method, c.profiles) for c in running.consent.calls] == [
        (METHOD + "GetProfile", (f"profiles/{person}",))
    ]


def test_a_batch_read_is_one_audit_naming_every_profile_returned(running: Running) -> None:
    first, second = _person(running, "u-audit-3"), _person(running, "u-audit-4")
    names = [f"profiles/{first}", f"profiles/{second}", f"profiles/{first}"]

    running.stub.BatchGetProfiles(
        pb.BatchGetProfilesRequest(names=names), metadata=running.md(), timeout=10
    )

    [call] = running.consent.calls
    assert call.method == METHOD + "BatchGetProfiles"
    assert sorted(call.profiles) == sorted({f"profiles/{first}", f"profiles/{second}"})


def test_a_timeline_read_is_one_audit(running: Running) -> None:
    person = _person(running, "u-audit-5")

    running.stub.ListProfileEvents(
        pb.ListProfileEventsRequest(parent=f"profiles/{person}", page_size=1),
        metadata=running.md(),
        timeout=10,
    )

    [call] = running.consent.calls
    assert (call.method, call.profiles) == (METHOD + "ListProfileEvents", (f"profiles/{person}",))


def test_service_to_service_reads_are_not_audited(running: Running) -> None:
    person = _person(running, "u-audit-6")
    service = running.md("service")

    running.stub.GetProfile(
        pb.GetProfileRequest(name=f"profiles/{person}"), metadata=service, timeout=10
    )
    running.stub.BatchGetProfiles(
        pb.BatchGetProfilesRequest(names=[f"profiles/{person}"]), metadata=service, timeout=10
    )
    running.stub.ListProfileEvents(
        pb.ListProfileEventsRequest(parent=f"profiles/{person}"), metadata=service, timeout=10
    )

    assert running.consent.calls == []


def test_a_read_that_fails_is_not_audited(running: Running) -> None:
    err = _error(
        lambda: running.stub.GetProfile(
            pb.GetProfileRequest(name=f"profiles/{new_profile()}"),
            metadata=running.md(),
            timeout=10,
        )
    )

    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert running.consent.calls == []


def test_an_unreachable_auditor_fails_the_read_closed(running: Running) -> None:
    person = _person(running, "u-audit-7")
    running.consent.stop()

    err = _error(
        lambda: running.stub.GetProfile(
            pb.GetProfileRequest(name=f"profiles/{person}"), metadata=running.md(), timeout=30
        )
    )

    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert error_info(err).reason == "AUDIT_UNAVAILABLE"
    assert "u-audit-7" not in (err.details() or "")


def test_an_auditor_that_refuses_fails_every_read_kind(running: Running) -> None:
    person = _person(running, "u-audit-8")
    running.consent.recorder.refuse = True
    name = f"profiles/{person}"
    reads = [
        lambda: running.stub.GetProfile(
            pb.GetProfileRequest(name=name), metadata=running.md(), timeout=10
        ),
        lambda: running.stub.BatchGetProfiles(
            pb.BatchGetProfilesRequest(names=[name]), metadata=running.md(), timeout=10
        ),
        lambda: running.stub.ListProfileEvents(
            pb.ListProfileEventsRequest(parent=name), metadata=running.md(), timeout=10
        ),
    ]

    failures = [_error(read) for read in reads]

    assert [(e.code(), error_info(e).reason) for e in failures] == [
        (grpc.StatusCode.UNAVAILABLE, "AUDIT_UNAVAILABLE")
    ] * 3
