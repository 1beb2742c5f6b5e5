"""ConsentService over a real server: one shape for grant/deny/withdraw, history, batched checks,
field-naming errors, deny-by-default roles, and exactly one audit entry per recorded decision."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import Engine

from cdp.api.consent.v1 import consent_service_pb2 as pb
from cdp.api.consent.v1 import consent_service_pb2_grpc as pb_grpc
from cdp.api.identity.v1 import identifier_pb2
from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as identity_grpc
from cdp.api.privacy.v1 import participant_service_pb2 as participant_pb
from cdp.consent.adapters.audit_keys import load_or_create_signing_key
from cdp.consent.adapters.audit_repository import AuditWriter, read_entries
from cdp.consent.consent_servicer import ConsentServicer
from cdp.consent.service_layer.audit import verify_audit_chain
from cdp.grpcx import server as grpc_server
from cdp.grpcx.channels import insecure_channel_with_token
from cdp.grpcx.runtime import CommonSettings
from cdp.grpcx.status import error_info
from cdp.pii import BlindIndexer
from tests.unit.consent.builders import NOTICE, migrated_engine

ALICE = identifier_pb2.Identifier(type="email", value="Alice@Example.test")


class FakeIdentity(identity_grpc.IdentityServiceServicer):
    """ResolveSubject from a dict, behind the suite's real interceptors."""

    def __init__(self) -> None:
        self.people: dict[str, list[str]] = {}

    def ResolveSubject(self, request, context):
        ids = sorted({s for p in request.profiles for s in self.people.get(p, [])})
        return identity_pb.ResolveSubjectResponse(
            subject=participant_pb.Subject(subject_ids=ids, profiles=list(request.profiles))
        )


@dataclass
class Running:
    stub: pb_grpc.ConsentServiceStub
    engine: Engine
    audit: AuditWriter
    indexer: BlindIndexer
    identity: FakeIdentity
    mint: object
    blocked: set[str] = field(default_factory=set)

    def call(self, method: str, request, role: str = "consent_manager"):
        metadata = [("authorization", f"Bearer {self.mint(role)}")]
        return getattr(self.stub, method)(request, metadata=metadata, timeout=10)

    def subject_id(self, kind: str, value: str) -> str:
        return self.indexer.subject_id(self.indexer.index_raw(kind, value))

    def entries(self) -> list:
        with self.engine.connect() as conn:
            return read_entries(conn)


@pytest.fixture
def running(dev_dir: Path, database_url: str, mint) -> Iterator[Running]:
    settings = CommonSettings.from_env("consent", {"CDP_DATA_DIR": str(dev_dir)})
    verifier = settings.verifier()
    identity = FakeIdentity()
    id_server, id_port, _ = grpc_server.build_server(
        [grpc_server.registration(identity_grpc, identity)], "127.0.0.1:0", verifier
    )
    id_server.start()
    id_channel = insecure_channel_with_token(f"127.0.0.1:{id_port}", lambda: mint("service"))
    engine = migrated_engine(database_url)
    audit = AuditWriter(load_or_create_signing_key(dev_dir / "keys" / "audit.pem"), 5)
    indexer = BlindIndexer(settings.index_key())
    running = Running(None, engine, audit, indexer, identity, mint)
    servicer = ConsentServicer(
        engine, indexer, audit, id_channel, blocked=lambda ids: running.blocked & set(ids)
    )
    server, port, _ = grpc_server.build_server(
        [grpc_server.registration(pb_grpc, servicer)], "127.0.0.1:0", verifier
    )
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        running.stub = pb_grpc.ConsentServiceStub(channel)
        yield running
    server.stop(None)
    id_server.stop(None)
    id_channel.close()
    engine.dispose()


def _request(status=pb.CONSENT_STATUS_GRANTED, purpose="email_marketing", subject=ALICE, **fields):
    record = pb.ConsentRecord(
        purpose=purpose,
        status=status,
        notice_id="notice-email-v3",
        language="vi",
        channel="web",
        method=pb.CONSENT_METHOD_CHECKBOX,
        evidence_ref="evidence/9f1c2a",
        jurisdiction="pdpl-vn",
    )
    request = pb.RecordConsentRequest(subject=subject, record=record, notice_text=NOTICE)
    for name, value in fields.items():
        target = request if name in ("notice_text", "request_id") else request.record
        if isinstance(value, datetime):
            getattr(target, name).FromDatetime(value)
        else:
            setattr(target, name, value)
    return request


def _state(running: Running, subject=ALICE) -> dict[str, int]:
    response = running.call("GetConsentState", pb.GetConsentStateRequest(subject=subject))
    return {p.purpose: p.status for p in response.purposes}


def test_grant_deny_and_withdraw_are_one_call_with_one_role(running) -> None:
    states = []
    for status in (
        pb.CONSENT_STATUS_GRANTED,
        pb.CONSENT_STATUS_DENIED,
        pb.CONSENT_STATUS_WITHDRAWN,
    ):
        response = running.call("RecordConsent", _request(status))
        states.append(_state(running)["email_marketing"])
        record = response.record
        assert record.name.startswith("consentRecords/") and record.actor == "test"
        assert record.subject_id == running.subject_id("email", "alice@example.test")
        assert record.record_time.seconds > 0 and record.valid_from.seconds > 0
    assert states == [
        pb.CONSENT_STATUS_GRANTED,
        pb.CONSENT_STATUS_DENIED,
        pb.CONSENT_STATUS_WITHDRAWN,
    ]
    officer = running.call("RecordConsent", _request(), role="compliance_officer")
    assert officer.record.status == pb.CONSENT_STATUS_GRANTED


def test_history_lists_every_field_oldest_first_in_pages(running) -> None:
    made = [
        running.call("RecordConsent", _request(s)).record
        for s in (pb.CONSENT_STATUS_GRANTED, pb.CONSENT_STATUS_WITHDRAWN, pb.CONSENT_STATUS_GRANTED)
    ]
    first = running.call(
        "ListConsentHistory", pb.ListConsentHistoryRequest(subject=ALICE, page_size=2)
    )
    rest = running.call(
        "ListConsentHistory",
        pb.ListConsentHistoryRequest(subject=ALICE, page_size=2, page_token=first.next_page_token),
    )
    assert list(first.records) + list(rest.records) == made and rest.next_page_token == ""
    assert made[0].notice_sha256 and made[0].language == "vi" and made[0].evidence_ref


def test_an_expiring_grant_reports_its_expiry(running) -> None:
    later = datetime.now(UTC) + timedelta(days=30)
    record = running.call("RecordConsent", _request(expire_time=later)).record
    assert record.expire_time.ToDatetime(tzinfo=UTC) == later
    assert _state(running) == {"email_marketing": pb.CONSENT_STATUS_GRANTED}


def test_check_consent_by_subject_id_and_by_profile_in_request_order(running) -> None:
    bob_phone = identifier_pb2.Identifier(type="phone", value="+84901234567")
    bob_email = identifier_pb2.Identifier(type="email", value="bob@example.test")
    bob_ids = [
        running.subject_id("phone", "+84901234567"),
        running.subject_id("email", "bob@example.test"),
    ]
    running.identity.people["profiles/pbob"] = bob_ids
    running.call("RecordConsent", _request(subject=bob_phone))
    queries = [
        pb.ConsentQuery(subject="profiles/pbob", purpose="email_marketing"),
        pb.ConsentQuery(subject="profiles/pbob", purpose="sms_marketing"),
        pb.ConsentQuery(subject=bob_ids[0], purpose="email_marketing"),
        pb.ConsentQuery(subject="profiles/punknown", purpose="email_marketing"),
    ]
    check = pb.CheckConsentRequest(queries=queries)
    assert list(running.call("CheckConsent", check, role="service").granted) == [
        True,
        False,
        True,
        False,
    ]
    running.call("RecordConsent", _request(pb.CONSENT_STATUS_WITHDRAWN, subject=bob_email))
    assert list(running.call("CheckConsent", check, role="service").granted) == [
        False,
        False,
        True,
        False,
    ]
    running.blocked.add(bob_ids[0])
    assert list(running.call("CheckConsent", check, role="service").granted) == [False] * 4


BAD_RECORDS = [
    ({"status": pb.CONSENT_STATUS_UNSPECIFIED}, "record.status", "FIELD_REQUIRED"),
    ({"status": 99}, "record.status", "UNKNOWN_STATUS"),
    ({"method": pb.CONSENT_METHOD_UNSPECIFIED}, "record.method", "FIELD_REQUIRED"),
    ({"purpose": "Email-Marketing"}, "record.purpose", "INVALID_PURPOSE"),
    ({"purpose": "p" * 65}, "record.purpose", "VALUE_TOO_LONG"),
    ({"jurisdiction": "ccpa"}, "record.jurisdiction", "UNKNOWN_JURISDICTION"),
    ({"language": "vietnamese language"}, "record.language", "INVALID_LANGUAGE"),
    ({"notice_sha256": "0" * 64}, "record.notice_sha256", "NOTICE_SHA256_MISMATCH"),
    ({"evidence_ref": ""}, "record.evidence_ref", "FIELD_REQUIRED"),
    (
        {
            "valid_from": datetime(2026, 2, 1, tzinfo=UTC),
            "expire_time": datetime(2026, 1, 1, tzinfo=UTC),
        },
        "record.expire_time",
        "EXPIRE_BEFORE_VALID_FROM",
    ),
]


@pytest.mark.parametrize(("fields", "field", "reason"), BAD_RECORDS)
def test_invalid_records_are_invalid_argument_naming_the_field(
    running, fields, field, reason
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        running.call("RecordConsent", _request(**fields))
    _assert_invalid(caught.value, field, reason)
    assert running.entries() == []


def test_invalid_subjects_and_queries_name_the_field(running) -> None:
    cases = [
        (
            "RecordConsent",
            _request(subject=identifier_pb2.Identifier(type="email", value="alice@")),
            "subject.value",
        ),
        ("GetConsentState", pb.GetConsentStateRequest(), "subject.type"),
        (
            "ListConsentHistory",
            pb.ListConsentHistoryRequest(subject=ALICE, page_size=-1),
            "page_size",
        ),
        (
            "ListConsentHistory",
            pb.ListConsentHistoryRequest(subject=ALICE, page_token="zz"),
            "page_token",
        ),
        (
            "CheckConsent",
            pb.CheckConsentRequest(queries=[pb.ConsentQuery(subject="bob", purpose="ads")]),
            "queries[0].subject",
        ),
        (
            "CheckConsent",
            pb.CheckConsentRequest(
                queries=[pb.ConsentQuery(subject="profiles/p", purpose="ads")] * 1001
            ),
            "queries",
        ),
    ]
    for method, request, expected in cases:
        with pytest.raises(grpc.RpcError) as caught:
            running.call(
                method, request, role="service" if method == "CheckConsent" else "consent_manager"
            )
        _assert_invalid(caught.value, expected, None)


def _assert_invalid(err: grpc.RpcError, field: str, reason: str | None) -> None:
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(err)
    assert info.metadata["field"] == field and (reason is None or info.reason == reason)
    bad_request = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad_request) for d in rpc_status.from_call(err).details)
    assert bad_request.field_violations[0].field == field
    assert "alice" not in err.details().lower()


def test_profile_readers_are_refused_every_consent_rpc_without_side_effects(running) -> None:
    calls = [
        ("RecordConsent", _request()),
        ("RecordConsent", _request(pb.CONSENT_STATUS_WITHDRAWN)),
        ("GetConsentState", pb.GetConsentStateRequest(subject=ALICE)),
        ("ListConsentHistory", pb.ListConsentHistoryRequest(subject=ALICE)),
        ("CheckConsent", pb.CheckConsentRequest()),
    ]
    for method, request in calls:
        with pytest.raises(grpc.RpcError) as caught:
            running.call(method, request, role="profile_reader")
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert error_info(caught.value).reason == "ROLE_NOT_ALLOWED"
    assert running.entries() == [] and _state(running) == {}


def test_each_recorded_decision_writes_exactly_one_audit_entry(running) -> None:
    statuses = [pb.CONSENT_STATUS_GRANTED, pb.CONSENT_STATUS_WITHDRAWN] * 6
    names = [
        running.call("RecordConsent", _request(s, request_id=f"r-{i}")).record.name
        for i, s in enumerate(statuses)
    ]
    retried = running.call("RecordConsent", _request(statuses[0], request_id="r-0")).record.name
    entries = running.entries()
    assert retried == names[0]
    assert [e.details["record"] for e in entries] == names
    assert all(e.action == "consent.recorded" and e.actor == "test" for e in entries)
    assert verify_audit_chain(running.engine, running.audit.public_key) == (True, 12, 0, "")


def test_recording_needs_a_deadline(running) -> None:
    metadata = [("authorization", f"Bearer {running.mint('consent_manager')}")]
    with pytest.raises(grpc.RpcError) as caught:
        running.stub.RecordConsent(_request(), metadata=metadata)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(caught.value).metadata["field"] == "grpc-timeout"
    assert running.entries() == []
