"""DataSubjectParticipantService on the real profile server: fence, erase, export, restrict, auth."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cdp.api.identity.v1 import identifier_pb2
from cdp.api.privacy.v1 import participant_service_pb2 as dsr
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.grpcx.status import error_info
from tests.contract.profile.conftest import Running, field_violations
from tests.integration.profile.subjects import Person, file_hits, rows_naming
from tests.integration.profile.support import SECOND, as_event, as_merge, event, new_profile

T0 = 1_700_000_000 * SECOND
REQUEST = "dataSubjectRequests/0b7e6a2e-4c1d-4a43-9a57-2f1f3c5d9e10"
EMPTY = {"service": "profile", "profiles": [], "traits": [], "events": [], "computed_traits": []}


@dataclass
class Seeded:
    person: Person
    changes: list[pb.ProfileChange]
    email: str


def _seed(running: Running, first_sequence: int = 1) -> Seeded:
    """A person with two profiles (one merged away): an identify with a personal email, tracks."""
    tag = uuid.uuid4().hex[:8]
    email, user = f"canary+{tag}@example.test", f"user-{tag}"
    person = Person(
        [("user_id", user), ("email", email), ("anonymous_id", f"anon-{tag}")],
        [new_profile(), new_profile()],
    )
    survivor, absorbed = person.profiles
    seal = running.sealer.seal
    sent = [
        (absorbed, event("track", anonymous_id=f"anon-{tag}", name="Opened", at=T0)),
        (survivor, event("identify", user_id=user, traits={"email": email, "plan": "gold"}, at=T0)),
        (survivor, event("track", user_id=user, name="Paid", properties={"email": email}, at=T0)),
    ]
    changes = [as_event(0, p, seal(e)) for p, e in sent]
    changes.append(as_merge(0, survivor, absorbed))
    for n, change in enumerate(changes):
        change.sequence = first_sequence + n
    assert running.apply(*changes).applied_count == len(changes)
    running.identity.link(survivor, "email", email)
    return Seeded(person, changes, email)


def _subject(running: Running, person: Person) -> dsr.Subject:
    domain = person.subject(running.sealer)
    return dsr.Subject(
        subject_ids=domain.subject_ids,
        blind_indexes=domain.blind_indexes,
        profiles=[f"profiles/{p}" for p in domain.profile_ids],
    )


def _call(running: Running, method: str, role: str = "service", **fields):
    request = getattr(dsr, f"{method}Request")(request=REQUEST, **fields)
    return getattr(running.participant, method)(request, metadata=running.md(role), timeout=30)


def _error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def _get(running: Running, **request) -> pb.Profile:
    return running.stub.GetProfile(
        pb.GetProfileRequest(**request), metadata=running.md(), timeout=10
    ).profile


def test_after_a_fence_the_subjects_changes_are_not_applied(running: Running) -> None:
    tag = uuid.uuid4().hex[:8]
    person = Person([("user_id", f"late-{tag}")], [new_profile()])
    subject = _subject(running, person)

    fenced = [_call(running, "FenceSubject", subject=subject).suppressed_count for _ in range(2)]
    late = running.sealer.seal(event("track", user_id=f"late-{tag}"))
    applied = running.apply(as_event(1, person.profiles[0], late))

    assert fenced == [3, 0]
    assert applied.applied_count == 0
    err = _error(lambda: _get(running, name=f"profiles/{person.profiles[0]}"))
    assert err.code() == grpc.StatusCode.NOT_FOUND


def test_erasure_leaves_nothing_of_the_subject_and_repeats_with_zero_counts(
    running: Running, keys
) -> None:
    seeded = _seed(running)
    other = _seed(running, first_sequence=100)
    subject = _subject(running, seeded.person)
    domain = seeded.person.subject(running.sealer)
    for subject_id in domain.subject_ids:
        keys.destroy(subject_id)
    _call(running, "FenceSubject", subject=subject)

    first = _call(running, "EraseSubject", subject=subject).counts
    second = _call(running, "EraseSubject", subject=subject).counts

    # The feed updates are the seeded merge, events and traits, not yet delivered to segmentation.
    assert dict(first) == {
        "profiles": 2,
        "traits": 2,
        "events": 3,
        "computed_traits": 0,
        "feed_updates": 5,
    }
    assert dict(second) == {
        "profiles": 0,
        "traits": 0,
        "events": 0,
        "computed_traits": 0,
        "feed_updates": 0,
    }
    assert rows_naming(running.database_url, domain) == []
    assert file_hits(running.database_url, domain) == []
    for name in seeded.person.profiles:
        err = _error(lambda name=name: _get(running, name=f"profiles/{name}"))
        assert err.code() == grpc.StatusCode.NOT_FOUND
        assert error_info(err).reason == "PROFILE_NOT_FOUND"
    assert _get(running, name=f"profiles/{other.person.profiles[1]}").event_count == 3


def test_a_replay_after_erasure_stores_nothing(running: Running) -> None:
    seeded = _seed(running)
    subject = _subject(running, seeded.person)
    _call(running, "FenceSubject", subject=subject)
    _call(running, "EraseSubject", subject=subject)
    for change in seeded.changes:
        change.sequence += 1000

    replayed = running.apply(*seeded.changes)

    assert replayed.applied_count == 0
    assert rows_naming(running.database_url, seeded.person.subject(running.sealer)) == []


def test_export_opens_the_subjects_data_and_is_empty_after_erasure(running: Running) -> None:
    seeded = _seed(running)
    subject = _subject(running, seeded.person)

    before = json.loads(_call(running, "ExportSubject", subject=subject).document_json)
    _call(running, "FenceSubject", subject=subject)
    _call(running, "EraseSubject", subject=subject)
    after = json.loads(_call(running, "ExportSubject", subject=subject).document_json)

    assert before["service"] == "profile"
    assert len(before["profiles"]) == 2 and len(before["events"]) == 3
    traits = {t["key"]: t for t in before["traits"]}
    assert traits["email"]["value"] == seeded.email and traits["email"]["personal"]
    paid = next(e for e in before["events"] if e["event"] == "Paid")
    assert paid["properties"] == {"email": seeded.email} and paid["type"] == "track"
    assert after == EMPTY


def test_a_restriction_blocks_every_read_until_lifted_and_storage_goes_on(
    running: Running,
) -> None:
    seeded = _seed(running)
    subject = _subject(running, seeded.person)
    survivor, absorbed = (f"profiles/{p}" for p in seeded.person.profiles)
    by_email = identifier_pb2.Identifier(type="email", value=seeded.email)
    md = running.md()
    reads = {
        "name": lambda: _get(running, name=survivor),
        "merged-away name": lambda: _get(running, name=absorbed),
        "identifier": lambda: _get(running, identifier=by_email),
        "batch": lambda: running.stub.BatchGetProfiles(
            pb.BatchGetProfilesRequest(names=[survivor]), metadata=md, timeout=10
        ),
        "timeline": lambda: running.stub.ListProfileEvents(
            pb.ListProfileEventsRequest(parent=survivor), metadata=md, timeout=10
        ),
    }

    restricted = _call(running, "RestrictSubject", subject=subject, restricted=True)
    errors = {name: _error(read) for name, read in reads.items()}
    user = dict(seeded.person.identifiers)["user_id"]
    stored = running.apply(
        as_event(50, seeded.person.profiles[0], running.sealer.seal(event("track", user_id=user)))
    )
    lifted = _call(running, "RestrictSubject", subject=subject, restricted=False)

    assert restricted.affected_count == 8 and lifted.affected_count == 8
    assert {n: e.code() for n, e in errors.items()} == dict.fromkeys(
        reads, grpc.StatusCode.FAILED_PRECONDITION
    )
    assert {error_info(e).reason for e in errors.values()} == {"SUBJECT_RESTRICTED"}
    assert stored.applied_count == 1
    assert _get(running, name=survivor).event_count == 4
    assert len(reads["timeline"]().events) == 4


@pytest.mark.parametrize(
    "method", ["FenceSubject", "EraseSubject", "ExportSubject", "RestrictSubject"]
)
@pytest.mark.parametrize("role", ["profile_reader", "compliance_officer"])
def test_only_the_service_role_may_call_the_participant(
    running: Running, method: str, role: str
) -> None:
    subject = dsr.Subject(profiles=[f"profiles/{new_profile()}"])

    err = _error(lambda: _call(running, method, role, subject=subject))

    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(err).reason == "ROLE_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("subject", "reason", "field"),
    [
        (
            dsr.Subject(subject_ids=["sub_" + "a" * 24, "sub_x"]),
            "INVALID_SUBJECT_ID",
            "subject.subject_ids[1]",
        ),
        (
            dsr.Subject(blind_indexes=[b"\x01" * 31]),
            "INVALID_BLIND_INDEX",
            "subject.blind_indexes[0]",
        ),
        (dsr.Subject(profiles=["people/p1"]), "INVALID_PROFILE_NAME", "subject.profiles[0]"),
        (
            dsr.Subject(subject_ids=["sub_" + "a" * 24] * 1001),
            "TOO_MANY_ITEMS",
            "subject.subject_ids",
        ),
        (dsr.Subject(), "FIELD_REQUIRED", "subject"),
    ],
)
def test_a_malformed_subject_is_invalid_argument_naming_the_field(
    running: Running, subject: dsr.Subject, reason: str, field: str
) -> None:
    err = _error(lambda: _call(running, "EraseSubject", subject=subject))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(err).reason == reason
    assert field_violations(err) == [field]


def test_health_reports_the_participant_serving(running: Running) -> None:
    response = health_pb2_grpc.HealthStub(running.channel).Check(
        health_pb2.HealthCheckRequest(service="cdp.api.privacy.v1.DataSubjectParticipantService"),
        timeout=10,
    )

    assert response.status == health_pb2.HealthCheckResponse.SERVING
