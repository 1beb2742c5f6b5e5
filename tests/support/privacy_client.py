"""Test helpers for data-subject requests and the consent ledger against a running suite."""

from __future__ import annotations

import json
import uuid

from cdp.api.consent.v1 import (
    consent_service_pb2,
    consent_service_pb2_grpc,
    key_service_pb2,
    key_service_pb2_grpc,
    privacy_service_pb2,
    privacy_service_pb2_grpc,
)
from cdp.api.identity.v1 import identifier_pb2
from tests.support.client import SuiteClient, wait_for

FINAL = {
    privacy_service_pb2.REQUEST_STATE_COMPLETED,
    privacy_service_pb2.REQUEST_STATE_FAILED,
    privacy_service_pb2.REQUEST_STATE_CANCELLED,
}


def privacy_stub(client: SuiteClient) -> privacy_service_pb2_grpc.PrivacyServiceStub:
    return privacy_service_pb2_grpc.PrivacyServiceStub(client.channel("consent"))


def create(
    client: SuiteClient,
    kind: int,
    identities: list[tuple[str, str]],
    request_id: str | None = None,
    jurisdiction: str = "pdpl-vn",
) -> privacy_service_pb2.DataSubjectRequest:
    request = privacy_service_pb2.CreateDataSubjectRequestRequest(
        request_id=request_id or str(uuid.uuid4()),
        type=kind,
        jurisdiction=jurisdiction,
        identities=[identifier_pb2.Identifier(type=t, value=v) for t, v in identities],
    )
    return (
        privacy_stub(client)
        .CreateDataSubjectRequest(
            request, metadata=client.metadata("compliance_officer"), timeout=60
        )
        .request
    )


def get(client: SuiteClient, name: str) -> privacy_service_pb2.DataSubjectRequest:
    request = privacy_service_pb2.GetDataSubjectRequestRequest(name=name)
    return (
        privacy_stub(client)
        .GetDataSubjectRequest(request, metadata=client.metadata("compliance_officer"), timeout=30)
        .request
    )


def wait_finished(
    client: SuiteClient, name: str, timeout: float = 120
) -> privacy_service_pb2.DataSubjectRequest:
    return wait_for(
        lambda: (r := get(client, name)).state in FINAL and r, timeout=timeout, interval=0.1
    )


def key_states(client: SuiteClient, subject_ids: list[str]) -> list[int]:
    stub = key_service_pb2_grpc.KeyServiceStub(client.channel("consent"))
    response = stub.GetDataKeys(
        key_service_pb2.GetDataKeysRequest(subject_ids=subject_ids),
        metadata=client.metadata("service"),
        timeout=10,
    )
    return [key.state for key in response.keys]


def run(
    client: SuiteClient,
    kind: int,
    identities: list[tuple[str, str]],
    jurisdiction: str = "pdpl-vn",
    timeout: float = 120,
) -> privacy_service_pb2.DataSubjectRequest:
    """Creates a request and waits (bounded) until it is final."""
    created = create(client, kind, identities, jurisdiction=jurisdiction)
    return wait_finished(client, created.name, timeout=timeout)


def consent_stub(client: SuiteClient) -> consent_service_pb2_grpc.ConsentServiceStub:
    return consent_service_pb2_grpc.ConsentServiceStub(client.channel("consent"))


def notice_text(purpose: str, language: str = "vi") -> str:
    texts = {
        "vi": f"Tôi đồng ý cho phép xử lý dữ liệu cá nhân của tôi cho mục đích {purpose}.",
        "th": f"ข้าพเจ้ายินยอมให้ประมวลผลข้อมูลส่วนบุคคลเพื่อวัตถุประสงค์ {purpose}",
        "en": f"I agree to the processing of my personal data for {purpose}.",
    }
    return texts[language]


def record_consent(
    client: SuiteClient,
    subject: tuple[str, str],
    purpose: str,
    status: int = consent_service_pb2.CONSENT_STATUS_GRANTED,
    language: str = "vi",
    jurisdiction: str = "pdpl-vn",
) -> consent_service_pb2.ConsentRecord:
    """Appends one consent decision with full evidence, as a consent manager would."""
    kind, value = subject
    request = consent_service_pb2.RecordConsentRequest(
        subject=identifier_pb2.Identifier(type=kind, value=value),
        record=consent_service_pb2.ConsentRecord(
            purpose=purpose,
            status=status,
            notice_id=f"notice-{purpose}-v1",
            language=language,
            channel="web",
            method=consent_service_pb2.CONSENT_METHOD_CHECKBOX,
            evidence_ref=f"evidence-{uuid.uuid4().hex}",
            jurisdiction=jurisdiction,
        ),
        notice_text=notice_text(purpose, language),
        request_id=str(uuid.uuid4()),
    )
    return (
        consent_stub(client)
        .RecordConsent(request, metadata=client.metadata("consent_manager"), timeout=10)
        .record
    )


def check_consent(client: SuiteClient, subject: str, purposes: list[str]) -> dict[str, bool]:
    """CheckConsent as a service would ask it: one answer per purpose for one subject."""
    request = consent_service_pb2.CheckConsentRequest(
        queries=[consent_service_pb2.ConsentQuery(subject=subject, purpose=p) for p in purposes]
    )
    response = consent_stub(client).CheckConsent(
        request, metadata=client.metadata("service"), timeout=10
    )
    return dict(zip(purposes, response.granted, strict=True))


def consent_history(
    client: SuiteClient, subject: tuple[str, str], max_pages: int = 100
) -> list[consent_service_pb2.ConsentRecord]:
    """Every consent record of the subject, oldest first (bounded paging)."""
    kind, value = subject
    records: list[consent_service_pb2.ConsentRecord] = []
    token = ""
    for _ in range(max_pages):
        response = consent_stub(client).ListConsentHistory(
            consent_service_pb2.ListConsentHistoryRequest(
                subject=identifier_pb2.Identifier(type=kind, value=value),
                page_size=100,
                page_token=token,
            ),
            metadata=client.metadata("consent_manager"),
            timeout=10,
        )
        records.extend(response.records)
        token = response.next_page_token
        if not token:
            return records
    raise AssertionError(f"consent history did not end within {max_pages} pages")


def marketing_purposes(client: SuiteClient) -> list[str]:
    """The purposes the suite declares as direct marketing, from its record of processing."""
    record = privacy_stub(client).GetRecordOfProcessing(
        privacy_service_pb2.GetRecordOfProcessingRequest(),
        metadata=client.metadata("compliance_officer"),
        timeout=10,
    )
    activities = json.loads(record.record_json)["activities"]
    return [a["purpose_id"] for a in activities if a["marketing"]]
