"""Test helpers for data-subject requests against a running suite."""

from __future__ import annotations

import uuid

from cdp.api.consent.v1 import (
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
