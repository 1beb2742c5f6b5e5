"""Restriction of processing and objection to marketing, end to end (T15, R14, R4 objection)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import grpc
import pytest

from cdp.api.consent.v1 import consent_service_pb2 as consent_pb
from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.identity.v1 import identifier_pb2
from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as identity_grpc
from cdp.api.ingestion.v1 import ingestion_service_pb2 as ingestion_pb
from cdp.api.profile.v1 import profile_service_pb2 as profile_pb
from cdp.api.profile.v1 import profile_service_pb2_grpc as profile_grpc
from cdp.grpcx.status import error_info
from tests.support.client import SuiteClient, event, wait_for
from tests.support.privacy_client import (
    check_consent,
    consent_history,
    marketing_purposes,
    record_consent,
    run,
)

PURPOSES = ["email_marketing", "analytics"]
TRACKS = 5


def _person() -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "email": f"restrict+{tag}@example.test",
        "phone": f"+8491{int(tag[:7], 16) % 10_000_000:07d}",
        "user_id": f"restrict-user-{tag}",
    }


def _seed(client: SuiteClient, person: dict[str, str]) -> tuple[str, list[str]]:
    """Identify + a few tracks; returns the profile name and the message ids sent."""
    sent = [
        event(
            "identify",
            user_id=person["user_id"],
            traits={"email": person["email"], "phone": person["phone"], "plan": "gold"},
        ),
        *(
            event("track", user_id=person["user_id"], name="Product Viewed", properties={"n": i})
            for i in range(TRACKS)
        ),
    ]
    response = client.ingest(sent)
    assert [r.status for r in response.results] == [ingestion_pb.EVENT_STATUS_ACCEPTED] * len(sent)
    profile = wait_for(
        lambda: (p := client.profile(email=person["email"])) and p.event_count == len(sent) and p,
        timeout=60,
    )
    return profile.name, [e.message_id for e in sent]


def _reads(client: SuiteClient, name: str, email: str) -> dict[str, Callable[[], object]]:
    """Every ordinary (non-storage, non-compliance) read path of a person's data."""
    profile = profile_grpc.ProfileServiceStub(client.channel("profile"))
    identity = identity_grpc.IdentityServiceStub(client.channel("identity"))
    reader = client.metadata("profile_reader")
    by_email = identifier_pb2.Identifier(type="email", value=email)
    return {
        "GetProfile(name)": lambda: profile.GetProfile(
            profile_pb.GetProfileRequest(name=name), metadata=reader, timeout=10
        ),
        "GetProfile(email)": lambda: profile.GetProfile(
            profile_pb.GetProfileRequest(identifier=by_email), metadata=reader, timeout=10
        ),
        "BatchGetProfiles": lambda: profile.BatchGetProfiles(
            profile_pb.BatchGetProfilesRequest(names=[name]), metadata=reader, timeout=10
        ),
        "ListProfileEvents": lambda: profile.ListProfileEvents(
            profile_pb.ListProfileEventsRequest(parent=name, page_size=100),
            metadata=reader,
            timeout=10,
        ),
        "LookupProfile": lambda: identity.LookupProfile(
            identity_pb.LookupProfileRequest(identifier=by_email), metadata=reader, timeout=10
        ),
        "ListProfileIdentities": lambda: identity.ListProfileIdentities(
            identity_pb.ListProfileIdentitiesRequest(profile=name), metadata=reader, timeout=10
        ),
        "ExplainProfile": lambda: identity.ExplainProfile(
            identity_pb.ExplainProfileRequest(profile=name), metadata=reader, timeout=10
        ),
    }


def _refusal(call: Callable[[], object]) -> tuple[str, str]:
    """(status code, ErrorInfo reason) of a call, or ("OK", "") when it succeeds."""
    try:
        call()
    except grpc.RpcError as err:
        info = error_info(err)
        return err.code().name, info.reason if info else ""
    return "OK", ""


def _completed(request: pb.DataSubjectRequest) -> None:
    assert request.state == pb.REQUEST_STATE_COMPLETED, [
        (t.service, pb.RequestState.Name(t.state), t.last_error) for t in request.tasks
    ]


def test_restriction_refuses_every_read_keeps_storing_and_lift_restores(
    client: SuiteClient,
) -> None:
    person = _person()
    name, sent = _seed(client, person)
    reads = _reads(client, name, person["email"])
    assert {path: _refusal(call) for path, call in reads.items()} == dict.fromkeys(
        reads, ("OK", "")
    )

    _completed(run(client, pb.REQUEST_TYPE_RESTRICTION, [("email", person["email"])]))

    # Enforced on the very next read: no waiting, every path refuses with the stable reason.
    assert {path: _refusal(call) for path, call in reads.items()} == dict.fromkeys(
        reads, ("FAILED_PRECONDITION", "SUBJECT_RESTRICTED")
    )

    # Storage goes on (GDPR 18(2)): ingestion still accepts the person's events.
    late = event("track", user_id=person["user_id"], name="Restricted Visit")
    response = client.ingest([late])
    assert [r.status for r in response.results] == [ingestion_pb.EVENT_STATUS_ACCEPTED]

    # The compliance path still works: an access export of the restricted person completes.
    export = run(client, pb.REQUEST_TYPE_ACCESS, [("email", person["email"])])
    _completed(export)
    document = json.loads(export.export_json.decode("utf-8"))
    exported = {e["message_id"] for e in document["services"]["profile"]["events"]}
    assert set(sent) <= exported
    assert person["email"] in export.export_json.decode("utf-8")

    _completed(run(client, pb.REQUEST_TYPE_RESTRICTION_LIFT, [("email", person["email"])]))

    assert {path: _refusal(call) for path, call in reads.items()} == dict.fromkeys(
        reads, ("OK", "")
    )
    # The event stored during the restriction is on the timeline once it is lifted.
    profile = wait_for(
        lambda: (p := client.profile(name=name)) and p.event_count == len(sent) + 1 and p,
        timeout=60,
    )
    assert late.message_id in {e.message_id for e in client.timeline(profile.name)}


def test_restriction_makes_consent_checks_false_until_lifted(client: SuiteClient) -> None:
    person = _person()
    name, _sent = _seed(client, person)
    for purpose in PURPOSES:
        record_consent(client, ("email", person["email"]), purpose)
    assert check_consent(client, name, PURPOSES) == dict.fromkeys(PURPOSES, True)

    _completed(run(client, pb.REQUEST_TYPE_RESTRICTION, [("email", person["email"])]))
    assert check_consent(client, name, PURPOSES) == dict.fromkeys(PURPOSES, False)

    _completed(run(client, pb.REQUEST_TYPE_RESTRICTION_LIFT, [("email", person["email"])]))
    assert check_consent(client, name, PURPOSES) == dict.fromkeys(PURPOSES, True)


def test_objection_withdraws_every_marketing_purpose_and_keeps_analytics(
    client: SuiteClient,
) -> None:
    person = _person()
    name, _sent = _seed(client, person)
    marketing = marketing_purposes(client)
    assert "email_marketing" in marketing and "analytics" not in marketing
    granted = [*marketing, "analytics"]
    for purpose in granted:
        record_consent(client, ("email", person["email"]), purpose)
    assert check_consent(client, name, granted) == dict.fromkeys(granted, True)

    _completed(run(client, pb.REQUEST_TYPE_OBJECTION, [("email", person["email"])]))

    assert check_consent(client, name, granted) == {
        **dict.fromkeys(marketing, False),
        "analytics": True,
    }
    history = consent_history(client, ("email", person["email"]))
    withdrawn = {r.purpose for r in history if r.status == consent_pb.CONSENT_STATUS_WITHDRAWN}
    assert withdrawn == set(marketing)
    assert all(r.notice_sha256 and r.evidence_ref and r.jurisdiction for r in history)
    # The person stays readable: an objection is not a restriction.
    assert client.profile(name=name).name == name


@pytest.mark.parametrize("purpose", PURPOSES)
def test_consent_is_per_purpose_and_silence_is_not_consent(
    client: SuiteClient, purpose: str
) -> None:
    """The baseline the checks above rely on (T3 in small): only the granted purpose is True."""
    person = _person()
    name, _sent = _seed(client, person)
    record_consent(client, ("email", person["email"]), purpose)
    other = next(p for p in PURPOSES if p != purpose)
    assert check_consent(client, name, [purpose, other]) == {purpose: True, other: False}
