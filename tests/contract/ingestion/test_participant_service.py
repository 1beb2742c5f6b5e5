"""DataSubjectParticipantService on the real ingestion server: fence, erase, export, restrict."""

from __future__ import annotations

import json
import threading
import time
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from sqlalchemy import func, select

from cdp.api.ingestion.v1 import event_pb2
from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2 as privacy_pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as privacy_grpc
from cdp.grpcx.status import error_info
from cdp.ingestion.adapters.orm import event_log, message_ids
from cdp.pii import BlindIndexer
from tests.contract.ingestion.conftest import Running, bearer
from tests.integration.ingestion.privacy_support import (
    Person,
    files_referencing,
    needles,
    rows_referencing,
)

REQUEST = "dataSubjectRequests/" + str(uuid.uuid4())
SERVICE_NAME = "cdp.api.privacy.v1.DataSubjectParticipantService"


@pytest.fixture
def participant(running: Running) -> privacy_grpc.DataSubjectParticipantServiceStub:
    return privacy_grpc.DataSubjectParticipantServiceStub(running.channel)


@pytest.fixture
def indexer(running: Running) -> BlindIndexer:
    return BlindIndexer(running.app.settings.common.index_key())


def _subject(indexer: BlindIndexer, person: Person) -> privacy_pb.Subject:
    return privacy_pb.Subject(
        subject_ids=person.subject_ids(indexer),
        blind_indexes=person.blind_indexes(indexer),
        profiles=["profiles/p" + uuid.uuid4().hex[:24]],
    )


def _event(message_id: str, kind: int = event_pb2.EVENT_TYPE_TRACK, **fields) -> event_pb2.Event:
    event = event_pb2.Event(message_id=message_id, type=kind)
    if kind == event_pb2.EVENT_TYPE_TRACK:
        event.event = "Ordered"
    for key, value in fields.items():
        if isinstance(value, dict):
            getattr(event, key).update(value)
        else:
            setattr(event, key, value)
    return event


def _identify(person: Person, message_id: str) -> event_pb2.Event:
    return _event(
        message_id,
        event_pb2.EVENT_TYPE_IDENTIFY,
        user_id=person.user_id,
        traits={"email": person.email, "phone": person.phone, "name": f"Nguyễn {person.tag}"},
        context={"device": {"id": person.device}},
    )


def _ingest(running: Running, token: str, *events: event_pb2.Event) -> list[int]:
    response = running.stub.IngestEvents(
        pb.IngestEventsRequest(source="web", events=list(events)),
        metadata=bearer(token),
        timeout=30,
    )
    return [result.status for result in response.results]


def _stored(running: Running) -> tuple[int, int]:
    with running.app.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(message_ids)).scalar_one(),
            conn.execute(select(func.count()).select_from(event_log)).scalar_one(),
        )


def _nothing_left(running: Running, indexer: BlindIndexer, person: Person) -> list[str]:
    targets = needles(indexer, person)
    return rows_referencing(running.app.engine, targets) + files_referencing(
        running.app.engine, targets
    )


def test_the_participant_service_is_served_and_healthy(running: Running) -> None:
    health = health_pb2_grpc.HealthStub(running.channel)
    response = health.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=5)
    assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_after_fence_every_spelling_of_the_subject_is_suppressed(
    running: Running, participant, indexer: BlindIndexer, mint
) -> None:
    person, writer = Person(), mint("ingest_writer")
    assert _ingest(running, writer, _identify(person, "linked")) == [pb.EVENT_STATUS_ACCEPTED]
    fence = privacy_pb.FenceSubjectRequest(request=REQUEST, subject=_subject(indexer, person))
    service = bearer(mint("service"))
    assert participant.FenceSubject(fence, metadata=service, timeout=10).suppressed_count == 8
    assert participant.FenceSubject(fence, metadata=service, timeout=10).suppressed_count == 0
    fresh = {"anonymous_id": "a-fresh-browser"}
    response = running.stub.IngestEvents(
        pb.IngestEventsRequest(
            source="web",
            events=[
                _event(
                    "e1", event_pb2.EVENT_TYPE_IDENTIFY, traits={"email": person.email}, **fresh
                ),
                _event(
                    "e2",
                    event_pb2.EVENT_TYPE_IDENTIFY,
                    traits={"email": person.email.upper()},
                    **fresh,
                ),
                _event(
                    "e3",
                    event_pb2.EVENT_TYPE_IDENTIFY,
                    traits={"phone": person.phone_national},
                    **fresh,
                ),
                _event("e4", context={"device": {"id": person.device}}, **fresh),
                _event("e5", user_id=person.user_id),
                _event("e6", user_id="someone-else"),
            ],
        ),
        metadata=bearer(writer),
        timeout=10,
    )
    assert [(r.status, r.reason) for r in response.results] == [
        (pb.EVENT_STATUS_SUPPRESSED, "SUBJECT_ERASED")
    ] * 5 + [(pb.EVENT_STATUS_ACCEPTED, "")]
    assert (response.suppressed_count, response.accepted_count) == (5, 1)
    imported = running.stub.ImportEvents(
        iter(
            [
                pb.ImportEventsRequest(
                    source="backfill", events=[_event("b1", user_id=person.user_id)]
                )
            ]
        ),
        metadata=bearer(writer),
        timeout=10,
    )
    assert (imported.suppressed_count, imported.accepted_count) == (1, 0)


def test_erasure_leaves_no_byte_of_the_subject_and_a_repeat_counts_zero(
    running: Running, participant, indexer: BlindIndexer, mint
) -> None:
    person, writer, service = Person(), mint("ingest_writer"), bearer(mint("service"))
    _ingest(running, writer, _identify(person, "i-1"), _event("o-1", user_id="someone-else"))
    for batch in range(5):
        events = [_event(f"t-{batch}-{i}", user_id=person.user_id) for i in range(100)]
        _ingest(running, writer, *events)
    subject = _subject(indexer, person)
    export = privacy_pb.ExportSubjectRequest(request=REQUEST, subject=subject)
    before = json.loads(
        participant.ExportSubject(export, metadata=service, timeout=30).document_json
    )
    assert before["service"] == "ingestion" and len(before["events"]) == 501
    assert before["events"][0]["traits"]["email"] == person.email
    assert {i["value"] for i in before["events"][0]["identifiers"]} == {
        person.user_id,
        person.email,
        person.phone,
        person.device,
    }
    erase = privacy_pb.EraseSubjectRequest(request=REQUEST, subject=subject)
    counts = participant.EraseSubject(erase, metadata=service, timeout=30).counts
    assert dict(counts) == {"events": 501, "batches_rewritten": 6, "restrictions": 0}
    assert _stored(running) == (1, 1)
    assert _nothing_left(running, indexer, person) == []
    again = participant.EraseSubject(erase, metadata=service, timeout=30).counts
    assert set(again.values()) == {0}
    after = json.loads(
        participant.ExportSubject(export, metadata=service, timeout=30).document_json
    )
    assert after == {"service": "ingestion", "events": []}


def test_restriction_is_recorded_and_lifted_while_events_are_still_accepted(
    running: Running, participant, indexer: BlindIndexer, mint
) -> None:
    person, service = Person(), bearer(mint("service"))
    subject = _subject(indexer, person)

    def restrict(restricted: bool) -> int:
        request = privacy_pb.RestrictSubjectRequest(
            request=REQUEST, subject=subject, restricted=restricted
        )
        return participant.RestrictSubject(request, metadata=service, timeout=10).affected_count

    assert (restrict(True), restrict(True)) == (9, 0)
    statuses = _ingest(running, mint("ingest_writer"), _event("t-1", user_id=person.user_id))
    assert statuses == [pb.EVENT_STATUS_ACCEPTED]
    assert (restrict(False), restrict(False)) == (9, 0)


def test_events_fired_during_the_fence_are_accepted_before_it_or_suppressed_then_erased(
    running: Running, participant, indexer: BlindIndexer, mint
) -> None:
    person, writer, service = Person(), mint("ingest_writer"), bearer(mint("service"))
    subject = _subject(indexer, person)
    fenced = threading.Event()
    results: list[tuple[bool, int]] = []
    lock = threading.Lock()

    def fire(thread: int) -> None:
        for batch in range(20):
            after_fence = fenced.is_set()
            events = [_event(f"r-{thread}-{batch}-{i}", user_id=person.user_id) for i in range(5)]
            statuses = _ingest(running, writer, *events)
            with lock:
                results.extend((after_fence, status) for status in statuses)

    threads = [threading.Thread(target=fire, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)  # some batches land first: the race is the point
    fence = privacy_pb.FenceSubjectRequest(request=REQUEST, subject=subject)
    participant.FenceSubject(fence, metadata=service, timeout=30)
    fenced.set()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 1000
    assert {status for _late, status in results} <= {
        pb.EVENT_STATUS_ACCEPTED,
        pb.EVENT_STATUS_SUPPRESSED,
    }
    assert {status for late, status in results if late} <= {pb.EVENT_STATUS_SUPPRESSED}
    accepted = sum(status == pb.EVENT_STATUS_ACCEPTED for _late, status in results)
    erase = privacy_pb.EraseSubjectRequest(request=REQUEST, subject=subject)
    counts = participant.EraseSubject(erase, metadata=service, timeout=30).counts
    assert counts["events"] == accepted
    assert _stored(running) == (0, 0)
    assert _nothing_left(running, indexer, person) == []


def _violations(err: grpc.RpcError) -> list[str]:
    found = []
    for detail in rpc_status.from_call(err).details:
        request = error_details_pb2.BadRequest()
        if detail.Unpack(request):
            found += [violation.field for violation in request.field_violations]
    return found


@pytest.mark.parametrize(
    ("subject", "reason", "field"),
    [
        (
            privacy_pb.Subject(subject_ids=["sub_nope"]),
            "INVALID_SUBJECT_ID",
            "subject.subject_ids[0]",
        ),
        (
            privacy_pb.Subject(blind_indexes=[b"\x01" * 16]),
            "INVALID_BLIND_INDEX",
            "subject.blind_indexes[0]",
        ),
        (privacy_pb.Subject(profiles=["p1"]), "INVALID_PROFILE_NAME", "subject.profiles[0]"),
        (
            privacy_pb.Subject(blind_indexes=[b"\x01" * 32] * 1001),
            "TOO_MANY_ITEMS",
            "subject.blind_indexes",
        ),
        (privacy_pb.Subject(), "FIELD_REQUIRED", "subject"),
    ],
)
def test_a_malformed_subject_is_invalid_argument_naming_the_field(
    participant, mint, subject, reason, field
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        participant.FenceSubject(
            privacy_pb.FenceSubjectRequest(request=REQUEST, subject=subject),
            metadata=bearer(mint("service")),
            timeout=10,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(caught.value).reason == reason
    assert _violations(caught.value) == [field]


@pytest.mark.parametrize(
    "method", ["FenceSubject", "EraseSubject", "ExportSubject", "RestrictSubject"]
)
def test_only_the_service_role_may_call_the_participant(
    running: Running, participant, indexer: BlindIndexer, mint, method: str
) -> None:
    person = Person()
    request_type = getattr(privacy_pb, f"{method}Request")
    request = request_type(request=REQUEST, subject=_subject(indexer, person))
    for role in ("ingest_writer", "compliance_officer"):
        with pytest.raises(grpc.RpcError) as caught:
            getattr(participant, method)(request, metadata=bearer(mint(role)), timeout=10)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert error_info(caught.value).reason == "ROLE_NOT_ALLOWED"
    with running.app.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM suppressions").scalar_one() == 0
