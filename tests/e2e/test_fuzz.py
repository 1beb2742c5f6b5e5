"""Fuzzing every served RPC of a running suite (T30, privacy.md R24).

T30 names Atheris + libprotobuf-mutator; neither is usable in this environment, so this module is
the suite's stand-in: Hypothesis builds (a) structurally valid requests from each method's
descriptor, with random field values, and (b) wire-level mutations of valid serialisations (bit
flips, truncation, duplication, lying lengths), sent as raw bytes. Every answer must be OK or a
deliberate status, never INTERNAL or UNKNOWN, and every server must stay healthy. A server stream
(WatchSegmentMembership) is judged by its first message or its error; one still open and quiet a
moment later is a live watch waiting for changes, and is cancelled. The file starts its own suite:
fuzzing destroys keys, fences and erases subjects at random, which must not leak into tests sharing
the module suite.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pool, field_mask_pb2, message_factory, timestamp_pb2
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import DecodeError
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdp.api.consent.v1 import (
    consent_service_pb2,
    key_service_pb2,
    key_service_pb2_grpc,
    privacy_service_pb2,
)
from cdp.api.identity.v1 import identifier_pb2, identity_service_pb2
from cdp.api.ingestion.v1 import (  # noqa: F401 - ingestion_service_pb2 registers its descriptors
    event_pb2,
    ingestion_service_pb2,
    sealed_event_pb2,
)
from cdp.api.privacy.v1 import participant_service_pb2, participant_service_pb2_grpc
from cdp.api.profile.v1 import profile_service_pb2
from cdp.api.segmentation.v1 import (
    computed_trait_pb2,
    feed_service_pb2,
    segment_pb2,
    segmentation_service_pb2,
)
from cdp.cli.suite import START_ORDER, Suite
from cdp.grpcx.roles import METHOD_ROLES
from cdp.grpcx.status import error_info
from cdp.pii import BlindIndexer, normalize
from tests.e2e.conftest import start_suite
from tests.e2e.test_segments_helpers import Segments
from tests.support.client import SuiteClient, event, wait_for
from tests.support.privacy_client import get, privacy_stub, record_consent, run
from tests.support.protofuzz import MessageStrategies, Pools, mutate, mutations

# Per method and kind: 64 targets x 2 x 25 calls take about a minute on 2 cores; a nightly
# run raises it (T30 asks for minutes per handler there).
EXAMPLES = int(os.environ.get("CDP_FUZZ_EXAMPLES", "25"))
DEADLINE = 10.0
PARTICIPANT_HOSTS = ("ingestion", "identity", "profile", "segmentation")
STREAM_WAIT = 0.5  # seconds a server stream may stay quiet before it counts as a live, idle watch
# A crash, a hang, or a call that never reached the handler (which would make the fuzzing vacuous).
FORBIDDEN = {
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.UNAUTHENTICATED,
}
TRAILERS_CUT = "received metadata size exceeds"
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # every parametrised target shares the inner test's database key
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Target:
    host: str  # the suite service whose port serves the method
    path: str  # /package.Service/Method
    method: MethodDescriptor

    @property
    def label(self) -> str:
        return f"{self.path.rsplit('.', 1)[-1]}@{self.host}"

    @property
    def request_class(self) -> type:
        return message_factory.GetMessageClass(self.method.input_type)


@dataclass
class Tally:
    calls: int = 0
    waiting: float = 0.0  # for answers
    wall: float = 0.0  # the whole run: generating, mutating, calling, shrinking
    codes: Counter = field(default_factory=Counter)
    malformed: int = 0  # calls carrying bytes that do not parse (all mutated, never structured)


TALLIES: dict[tuple[str, str], Tally] = {}
LOG_OFFSETS: dict[Path, int] = {}


def _targets() -> Iterator[Target]:
    pool = descriptor_pool.Default()
    for path in sorted(METHOD_ROLES):
        service_name, method_name = path.strip("/").split("/")
        package = service_name.rsplit(".", 1)[0]
        method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
        hosts = PARTICIPANT_HOSTS if package == "cdp.api.privacy.v1" else (package.split(".")[2],)
        for host in hosts:
            yield Target(host, path, method)


# Methods that erase, fence, restrict or shred the seeded person run last, so that every read
# method is fuzzed while the person's data is still there to be read.
DESTRUCTIVE = {
    "/cdp.api.privacy.v1.DataSubjectParticipantService/FenceSubject",
    "/cdp.api.privacy.v1.DataSubjectParticipantService/EraseSubject",
    "/cdp.api.privacy.v1.DataSubjectParticipantService/RestrictSubject",
    "/cdp.api.consent.v1.KeyService/DestroyDataKeys",
    "/cdp.api.consent.v1.PrivacyService/CreateDataSubjectRequest",
    "/cdp.api.segmentation.v1.SegmentationService/DeleteSegment",
    "/cdp.api.segmentation.v1.SegmentationService/DeleteComputedTrait",
}
TARGETS = sorted(_targets(), key=lambda t: (t.path in DESTRUCTIVE, t.path, t.host))


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    """This module's own suite (the shared `client` fixture connects to it)."""
    running = start_suite(tmp_path_factory.mktemp("fuzz") / "cdp")
    yield running
    running.stop_all()


@pytest.fixture(scope="module")
def tokens(client: SuiteClient) -> dict[str, list[tuple[str, str]]]:
    roles = {role for allowed in METHOD_ROLES.values() for role in allowed}
    return {role: client.metadata(role) for role in roles}


@pytest.fixture(scope="module")
def strategies(client: SuiteClient) -> MessageStrategies:
    """Strategies seeded with a real person's names and ids and a corpus of valid requests, so
    fuzzed requests also get past the first lookup."""
    person = _seed_person(client)
    strings = tuple(v for v in person.values() if isinstance(v, str))
    blobs = (person["blind_index"],)
    return MessageStrategies(Pools(strings, blobs, _corpus(person)))


def _seed_person(client: SuiteClient) -> dict:
    tag = uuid.uuid4().hex[:10]
    email, user_id, phone = f"fuzz+{tag}@example.test", f"fuzz-user-{tag}", "+84901234567"
    sent = [
        event("identify", user_id=user_id, traits={"email": email, "phone": phone}),
        event("track", user_id=user_id, name="Fuzz Seeded", properties={"n": 1}),
    ]
    assert client.ingest(sent).accepted_count == len(sent)
    profile = wait_for(lambda: client.profile(email=email), timeout=60)
    consent = record_consent(client, ("email", email), "email_marketing")
    access = run(client, privacy_service_pb2.REQUEST_TYPE_ACCESS, [("email", email)])
    incident = privacy_stub(client).RecordIncident(
        privacy_service_pb2.RecordIncidentRequest(
            incident=_incident(), request_id=str(uuid.uuid4())
        ),
        metadata=client.metadata("compliance_officer"),
        timeout=DEADLINE,
    )
    indexer = BlindIndexer((client.suite.data_dir / "keys" / "index.key").read_bytes())
    blind = indexer.index("email", normalize("email", email))
    segments = Segments(client)
    segment = segments.create(SEEDED_CONDITION, "email_marketing", "Fuzz seeded")
    trait = segments.create_trait("fuzz_orders", ORDERS)
    return {
        "email": email,
        "user_id": user_id,
        "phone": phone,
        "profile": profile.name,
        "consent": consent.name,
        "access": access.name,
        "incident": incident.incident.name,
        "subject_id": indexer.subject_id(blind),
        "blind_index": blind,
        "segment": segment.name,
        "computed_trait": trait.name,
    }


SEEDED_CONDITION = 'event("Fuzz Seeded", properties.n >= 1).count(within = 30d) >= 1'
ORDERS = 'event("Order Completed").sum(properties.revenue, within = 7d)'


def _segmentation_corpus(p: dict) -> tuple:
    """Valid segmentation requests naming the seeded segment, trait, profile and subject."""
    seg, segment_pb = segmentation_service_pb2, segment_pb2
    feed = feed_service_pb2
    recorded = feed.ProfileEventRecorded(
        profile=p["profile"],
        subject_id=p["subject_id"],
        source="fuzz",
        message_id=str(uuid.uuid4()),
        type=event_pb2.EVENT_TYPE_TRACK,
        event="Order Completed",
        event_time=timestamp_pb2.Timestamp(seconds=int(time.time())),
    )
    return (
        seg.ParseConditionRequest(condition=SEEDED_CONDITION),
        seg.PreviewSegmentRequest(condition=SEEDED_CONDITION, purpose="email_marketing"),
        seg.CreateSegmentRequest(
            segment=segment_pb.Segment(condition=SEEDED_CONDITION, purpose="analytics"),
            segment_id="fuzz-created",
        ),
        seg.GetSegmentRequest(name=p["segment"]),
        seg.UpdateSegmentRequest(
            segment=segment_pb.Segment(name=p["segment"], display_name="Fuzzed"),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
        ),
        seg.DeleteSegmentRequest(name=p["segment"]),
        seg.ListSegmentMembersRequest(parent=p["segment"], page_size=10),
        seg.WatchSegmentMembershipRequest(segment=p["segment"]),
        seg.CreateComputedTraitRequest(
            computed_trait=computed_trait_pb2.ComputedTrait(expression=ORDERS),
            computed_trait_id="fuzz_created",
        ),
        seg.GetComputedTraitRequest(name=p["computed_trait"]),
        seg.DeleteComputedTraitRequest(name=p["computed_trait"]),
        feed.ApplyProfileUpdatesRequest(updates=[feed.ProfileUpdate(sequence=1, event=recorded)]),
        feed.ApplyConsentUpdatesRequest(subject_ids=[p["subject_id"]]),
    )


def _incident() -> privacy_service_pb2.Incident:
    now = int(time.time())
    return privacy_service_pb2.Incident(
        nature="Fuzz drill: a report bucket was readable for an hour.",
        discover_time=timestamp_pb2.Timestamp(seconds=now - 3600),
        occur_time=timestamp_pb2.Timestamp(seconds=now - 7200),
        data_categories=["email"],
        subject_categories=["customers"],
        approximate_subjects=1,
        approximate_records=2,
        contact="Data protection officer, head office",
        consequences="None expected.",
        measures="Bucket closed.",
        jurisdictions=["gdpr", "pdpa-th", "pdpl-vn"],
    )


def _corpus(p: dict) -> tuple:
    """One valid request per method that needs more than an identifier to get anywhere."""
    email = identifier_pb2.Identifier(type="email", value=p["email"])
    consent, privacy = consent_service_pb2, privacy_service_pb2
    return (
        email,
        identifier_pb2.Identifier(type="user_id", value=p["user_id"]),
        identifier_pb2.Identifier(type="phone", value=p["phone"]),
        participant_service_pb2.Subject(
            subject_ids=[p["subject_id"]], blind_indexes=[p["blind_index"]], profiles=[p["profile"]]
        ),
        consent.RecordConsentRequest(
            subject=email,
            record=consent.ConsentRecord(
                purpose="email_marketing",
                status=consent.CONSENT_STATUS_WITHDRAWN,
                notice_id="notice-email_marketing-v1",
                language="en",
                channel="web",
                method=consent.CONSENT_METHOD_CHECKBOX,
                evidence_ref="evidence-fuzz",
                jurisdiction="gdpr",
            ),
            notice_text="I agree to the processing of my personal data for email_marketing.",
            request_id=str(uuid.uuid4()),
        ),
        consent.ConsentQuery(subject=p["subject_id"], purpose="email_marketing"),
        privacy.CreateDataSubjectRequestRequest(
            request_id=str(uuid.uuid4()),
            type=privacy.REQUEST_TYPE_ACCESS,
            jurisdiction="pdpl-vn",
            identities=[email],
        ),
        privacy.GetDataSubjectRequestRequest(name=p["access"]),
        privacy.CancelDataSubjectRequestRequest(name=p["access"]),
        privacy.GetReceiptRequest(name=p["access"]),
        privacy.RecordDataAccessRequest(
            actor="ops:fuzz",
            method="/cdp.api.profile.v1.ProfileService/GetProfile",
            profiles=[p["profile"]],
            service="profile",
        ),
        privacy.RecordIncidentRequest(incident=_incident(), request_id=str(uuid.uuid4())),
        privacy.GetIncidentRequest(name=p["incident"]),
        identity_service_pb2.ExplainProfileRequest(profile=p["profile"]),
        identity_service_pb2.ListProfileIdentitiesRequest(profile=p["profile"]),
        identity_service_pb2.SplitProfileRequest(
            profile=p["profile"],
            identifiers=[identifier_pb2.Identifier(type="phone", value=p["phone"])],
            request_id=str(uuid.uuid4()),
        ),
        identity_service_pb2.ResolveSubjectRequest(identifiers=[email], profiles=[p["profile"]]),
        profile_service_pb2.GetProfileRequest(name=p["profile"]),
        profile_service_pb2.BatchGetProfilesRequest(names=[p["profile"]]),
        profile_service_pb2.ListProfileEventsRequest(parent=p["profile"], page_size=10),
        *_segmentation_corpus(p),
    )


def _invoke(
    client: SuiteClient, target: Target, payloads: list[bytes], metadata: list[tuple[str, str]]
) -> tuple[grpc.StatusCode, str]:
    """Sends raw bytes (identity serialisers) with a deadline: (code, details)."""
    channel = client.channel(target.host)
    try:
        if target.method.client_streaming:
            channel.stream_unary(target.path)(iter(payloads), metadata=metadata, timeout=DEADLINE)
        elif target.method.server_streaming:
            call = channel.unary_stream(target.path)(
                payloads[0], metadata=metadata, timeout=DEADLINE
            )
            _first_of_stream(call)
        else:
            channel.unary_unary(target.path)(payloads[0], metadata=metadata, timeout=DEADLINE)
    except grpc.RpcError as err:
        return err.code(), f"{err.details()} [{_reason(err)}]"
    return grpc.StatusCode.OK, ""


def _first_of_stream(call) -> None:
    """Reads a server stream's first message, raising its error; a stream still quiet after
    STREAM_WAIT is a live watch waiting for changes: it is cancelled and counts as OK."""
    failed: list[grpc.RpcError] = []

    def read() -> None:
        try:
            next(call, None)
        except grpc.RpcError as err:
            failed.append(err)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(STREAM_WAIT)
    quiet = reader.is_alive()
    call.cancel()  # one message (or none yet) is enough
    reader.join(DEADLINE)
    if failed and not quiet:
        raise failed[0]


def _reason(err: grpc.RpcError) -> str:
    try:
        info = error_info(err)
    except ValueError as exc:  # grpc-status-details-bin disagrees with the status code
        return f"unreadable status details: {exc}"
    return info.reason if info else "no ErrorInfo"


def _decodes(target: Target, payload: bytes) -> bool:
    try:
        target.request_class.FromString(payload)
    except DecodeError:
        return False
    return True


def _check(
    client: SuiteClient,
    target: Target,
    tally: Tally,
    payloads: list[bytes],
    metadata: list[tuple[str, str]],
) -> None:
    started = time.perf_counter()
    code, details = _invoke(client, target, payloads, metadata)
    tally.waiting += time.perf_counter() - started
    tally.calls += 1
    tally.codes[code.name] += 1
    tally.malformed += not all(_decodes(target, p) for p in payloads)
    # A status cut with the trailers (over 16 KiB at the client) is not the deliberate one either.
    if code in FORBIDDEN or TRAILERS_CUT in details:
        # Reading the new log lines here also keeps them from failing the next method's check.
        raise AssertionError(
            f"{target.label} answered {code.name} ({details}); "
            f"server errors: {_new_error_lines(client.suite)}"
        )


def _new_error_lines(suite: Suite) -> list[str]:
    """ERROR lines logged since the last look: they also catch what fails later, off the request
    path (outbox relays, DSR workers)."""
    found = []
    for service in START_ORDER:
        log = suite.data_dir / "logs" / f"{service}.log"
        start = LOG_OFFSETS.get(log, 0)
        with log.open("rb") as handle:
            handle.seek(start)
            chunk = handle.read()
        chunk = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits for next time
        LOG_OFFSETS[log] = start + len(chunk)
        lines = chunk.decode(errors="replace").splitlines()
        found.extend(f"{service}: {line[:1500]}" for line in lines if _is_error(line))
    return found


def _is_error(line: str) -> bool:
    return '"level": "ERROR"' in line or '"level": "CRITICAL"' in line


def _assert_healthy(client: SuiteClient) -> None:
    assert _new_error_lines(client.suite) == []
    for service in START_ORDER:
        process = client.suite.processes[service]
        assert process.poll() is None, f"{service} exited with {process.returncode}"
        stub = health_pb2_grpc.HealthStub(client.channel(service))
        answer = stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING, service


def _structured(target: Target, requests: st.SearchStrategy) -> st.SearchStrategy[list[bytes]]:
    """(a) Valid messages with random values: one per call, 0..3 on a client stream."""
    count = st.integers(0, 3) if target.method.client_streaming else st.just(1)
    return count.flatmap(lambda n: st.lists(requests, min_size=n, max_size=n)).map(
        lambda messages: [m.SerializeToString() for m in messages]
    )


def _mutated(target: Target, requests: st.SearchStrategy) -> st.SearchStrategy[list[bytes]]:
    """(b) Valid serialisations with 1..4 wire mutations each: one per call, 1..3 on a stream."""
    one = st.builds(lambda m, steps: mutate(m.SerializeToString(), steps), requests, mutations)
    count = st.integers(1, 3) if target.method.client_streaming else st.just(1)
    return count.flatmap(lambda n: st.lists(one, min_size=n, max_size=n))


KINDS = {"structured": _structured, "mutated": _mutated}


@pytest.mark.parametrize(
    ("target", "kind"),
    [pytest.param(t, k, id=f"{k}-{t.label}") for t in TARGETS for k in KINDS],
)
def test_fuzzed_requests_never_crash_a_handler(
    client: SuiteClient, strategies: MessageStrategies, tokens: dict, target: Target, kind: str
) -> None:
    tally = TALLIES.setdefault((kind, target.label), Tally())
    calls = KINDS[kind](target, strategies.request(target.method.input_type))

    @FUZZ_SETTINGS
    @given(payloads=calls, role=st.sampled_from(sorted(METHOD_ROLES[target.path])))
    def fuzz(payloads: list[bytes], role: str) -> None:
        _check(client, target, tally, payloads, tokens[role])

    started = time.perf_counter()
    fuzz()
    tally.wall += time.perf_counter() - started
    _assert_healthy(client)


# Reduced from fuzz findings: each once answered INTERNAL, or lost its status in oversized trailers.
LONG_TYPE = "x" * 8193  # an identifier type far too long, which pii.normalize() repeats
SOME_PROFILE = "profiles/p" + "0" * 24  # well-formed, never assigned
ABSURD_TIME = timestamp_pb2.Timestamp(seconds=-62135596801)  # one second before 0001-01-01
REGRESSIONS = [
    pytest.param(
        "consent",
        "/cdp.api.consent.v1.PrivacyService/RecordIncident",
        privacy_service_pb2.RecordIncidentRequest(
            incident=privacy_service_pb2.Incident(discover_time=ABSURD_TIME)
        ),
        "compliance_officer",
        "INVALID_TIMESTAMP",
        id="RecordIncident-timestamp-before-year-1",
    ),
    pytest.param(
        "profile",
        "/cdp.api.profile.v1.ProfileService/ListProfileEvents",
        profile_service_pb2.ListProfileEventsRequest(
            parent=SOME_PROFILE, start_time=timestamp_pb2.Timestamp(seconds=2**62)
        ),
        "profile_reader",
        "INVALID_TIMESTAMP",
        id="ListProfileEvents-start-time-past-9999",
    ),
    pytest.param(
        "profile",
        "/cdp.api.profile.v1.ProfileService/ApplyProfileChanges",
        profile_service_pb2.ApplyProfileChangesRequest(
            changes=[
                profile_service_pb2.ProfileChange(
                    sequence=1,
                    event=profile_service_pb2.ResolvedEvent(
                        profile=SOME_PROFILE,
                        event=sealed_event_pb2.SealedEvent(
                            message_id="m-1",
                            type=event_pb2.EVENT_TYPE_TRACK,
                            receive_time=timestamp_pb2.Timestamp(seconds=2**62),
                        ),
                    ),
                )
            ]
        ),
        "service",
        "INVALID_TIMESTAMP",
        id="ApplyProfileChanges-receive-time-past-9999",
    ),
    pytest.param(
        "identity",
        "/cdp.api.identity.v1.IdentityService/LookupProfile",
        identity_service_pb2.LookupProfileRequest(
            identifier=identifier_pb2.Identifier(type=LONG_TYPE)
        ),
        "profile_reader",
        "UNKNOWN_IDENTIFIER_TYPE",
        id="LookupProfile-long-type",
    ),
    pytest.param(
        "identity",
        "/cdp.api.identity.v1.IdentityService/ResolveIdentities",
        identity_service_pb2.ResolveIdentitiesRequest(
            sets=[
                identity_service_pb2.IdentifierSet(
                    identifiers=[identifier_pb2.Identifier(type=LONG_TYPE, value="x" * 257)]
                )
            ]
        ),
        "service",
        "UNKNOWN_IDENTIFIER_TYPE",
        id="ResolveIdentities-long-type",
    ),
    pytest.param(
        "profile",
        "/cdp.api.profile.v1.ProfileService/GetProfile",
        profile_service_pb2.GetProfileRequest(identifier=identifier_pb2.Identifier(type=LONG_TYPE)),
        "profile_reader",
        "UNKNOWN_IDENTIFIER_TYPE",
        id="GetProfile-long-type",
    ),
    pytest.param(
        "consent",
        "/cdp.api.consent.v1.ConsentService/GetConsentState",
        consent_service_pb2.GetConsentStateRequest(
            subject=identifier_pb2.Identifier(type=LONG_TYPE, value="x" * 257)
        ),
        "consent_manager",
        "UNKNOWN_IDENTIFIER_TYPE",
        id="GetConsentState-long-type",
    ),
    pytest.param(
        "consent",
        "/cdp.api.consent.v1.PrivacyService/CreateDataSubjectRequest",
        privacy_service_pb2.CreateDataSubjectRequestRequest(
            request_id="1b4e28ba-2fa1-41d2-883f-0016d3cca427",
            type=privacy_service_pb2.REQUEST_TYPE_ACCESS,
            jurisdiction="gdpr",
            identities=[identifier_pb2.Identifier(type=LONG_TYPE, value="a")],
        ),
        "compliance_officer",
        "UNKNOWN_IDENTIFIER_TYPE",
        id="CreateDataSubjectRequest-long-type",
    ),
    pytest.param(
        "consent",
        "/cdp.api.consent.v1.ConsentService/RecordConsent",
        consent_service_pb2.RecordConsentRequest(
            subject=identifier_pb2.Identifier(type=LONG_TYPE, value="x" * 257)
        ),
        "consent_manager",
        "UNKNOWN_IDENTIFIER_TYPE",
        id="RecordConsent-long-type",
    ),
    pytest.param(
        "segmentation",
        "/cdp.api.segmentation.v1.SegmentationFeedService/ApplyProfileUpdates",
        feed_service_pb2.ApplyProfileUpdatesRequest(
            updates=[
                feed_service_pb2.ProfileUpdate(
                    event=feed_service_pb2.ProfileEventRecorded(
                        profile=SOME_PROFILE,
                        event_time=timestamp_pb2.Timestamp(nanos=1_000_000_000),
                    )
                )
            ]
        ),
        "service",
        "INVALID_TIMESTAMP",
        id="ApplyProfileUpdates-event-time-nanos-past-a-second",
    ),
]


@pytest.mark.parametrize(("host", "path", "request_message", "role", "reason"), REGRESSIONS)
def test_a_reduced_fuzz_finding_is_a_deliberate_invalid_argument(
    client: SuiteClient, host: str, path: str, request_message, role: str, reason: str
) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        client.channel(host).unary_unary(path)(
            request_message.SerializeToString(), metadata=client.metadata(role), timeout=DEADLINE
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, refused.value.details()
    assert error_info(refused.value).reason == reason


def test_fencing_a_subject_named_by_blind_indexes_alone_on_segmentation_is_not_an_error(
    client: SuiteClient,
) -> None:
    """Found by fuzzing FenceSubject: with no subject id or profile there was nothing to suppress,
    and inserting no rows answered INTERNAL. Segmentation keys on neither blind index: 0 added."""
    subject = participant_service_pb2.Subject(blind_indexes=[bytes(32)])
    response = participant_service_pb2_grpc.DataSubjectParticipantServiceStub(
        client.channel("segmentation")
    ).FenceSubject(
        participant_service_pb2.FenceSubjectRequest(subject=subject),
        metadata=client.metadata("service"),
        timeout=DEADLINE,
    )
    assert response.suppressed_count == 0


def test_an_access_request_still_reads_after_its_subject_was_erased(client: SuiteClient) -> None:
    """Found by fuzzing DestroyDataKeys, then GetDataSubjectRequest: the export, sealed under the
    subject's key, was shredded with it, and reading the request answered INTERNAL."""
    email = f"fuzz-erased+{uuid.uuid4().hex[:10]}@example.test"
    assert client.ingest([event("identify", user_id=email, traits={"email": email})]).accepted_count
    wait_for(lambda: client.profile(email=email), timeout=60)
    done = run(client, privacy_service_pb2.REQUEST_TYPE_ACCESS, [("email", email)])
    assert done.state == privacy_service_pb2.REQUEST_STATE_COMPLETED
    assert get(client, done.name).export_json  # readable while the subject lives
    key_service_pb2_grpc.KeyServiceStub(client.channel("consent")).DestroyDataKeys(
        key_service_pb2.DestroyDataKeysRequest(subject_ids=done.subject_ids),
        metadata=client.metadata("service"),
        timeout=DEADLINE,
    )

    after = get(client, done.name)

    assert (after.state, after.export_json) == (privacy_service_pb2.REQUEST_STATE_COMPLETED, b"")


def test_an_undecodable_request_is_invalid_argument(client: SuiteClient) -> None:
    """Found by the mutation fuzzing: grpcio answers INTERNAL "Exception deserializing request!" to
    bytes the request class cannot parse, before any interceptor runs; cdp.grpcx's ErrorInterceptor
    now makes it a deliberate MALFORMED_REQUEST (R24: invalid input is never INTERNAL)."""
    truncated = b"\x0a\x05ab"  # field 1 claims 5 bytes and carries 2
    with pytest.raises(grpc.RpcError) as refused:
        client.channel("profile").unary_unary("/cdp.api.profile.v1.ProfileService/GetProfile")(
            truncated, metadata=client.metadata("profile_reader"), timeout=DEADLINE
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, refused.value.details()
    assert error_info(refused.value).reason == "MALFORMED_REQUEST"


def test_report_executions_per_second() -> None:
    """Prints the T30 figure for whatever ran before it in this session."""
    if not TALLIES:
        pytest.skip("no fuzz run in this session")
    calls = sum(t.calls for t in TALLIES.values())
    wall = sum(t.wall for t in TALLIES.values())
    waiting = sum(t.waiting for t in TALLIES.values())
    codes = sum((t.codes for t in TALLIES.values()), Counter())
    malformed = sum(t.malformed for t in TALLIES.values())
    targets = {label for _kind, label in TALLIES}
    rpcs = {label.split("@")[0] for label in targets}
    print(
        f"\nT30 fuzz: {len(rpcs)} RPCs on {len(targets)} method@service targets, "
        f"{calls} executions in {wall:.1f}s "
        f"= {calls / wall:.1f} exec/s ({waiting:.1f}s waiting for answers); "
        f"answers {dict(codes.most_common())}; "
        f"calls with bytes that do not parse: {malformed}"
    )
    for (kind, label), tally in sorted(TALLIES.items()):
        print(f"  {kind:10} {label:55} {tally.calls:5} calls {dict(tally.codes.most_common())}")
    assert calls > 0
