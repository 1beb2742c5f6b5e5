"""PrivacyService.RecordIncident / GetIncident over a real consent server (R26, T32): the draft notice
comes back with the record, retries are idempotent, errors name fields, and only the right roles pass."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from google.protobuf import timestamp_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as pb_grpc
from cdp.consent.adapters.audit_repository import read_entries
from cdp.consent.bootstrap import App, bootstrap
from cdp.consent.server import build_server
from cdp.consent.settings import Settings
from cdp.grpcx.status import error_info

CONTROLLER = "Example Retail Co., Data Protection Office"


@dataclass
class Running:
    stub: pb_grpc.PrivacyServiceStub
    app: App
    mint: object

    def call(self, method: str, request, role: str = "compliance_officer"):
        metadata = [("authorization", f"Bearer {self.mint(role)}")]
        return getattr(self.stub, method)(request, metadata=metadata, timeout=10)

    def actions(self) -> list[str]:
        with self.app.engine.connect() as conn:
            return [e.action for e in read_entries(conn)]


@pytest.fixture
def running(dev_dir: Path, database_url: str, mint) -> Iterator[Running]:
    settings = Settings.from_env(
        {"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": database_url, "CDP_CONTROLLER": CONTROLLER}
    )
    # No peers are needed for incidents: an empty participant set keeps the test self-contained.
    app = bootstrap(settings, participants={})
    server, port, _ = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield Running(pb_grpc.PrivacyServiceStub(channel), app, mint)
    server.stop(None)
    app.stop()


def _ts(moment: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def incident(**changes) -> pb.Incident:
    now = datetime.now(UTC)
    message = pb.Incident(
        nature="Export bucket publicly readable for six hours; now closed.",
        discover_time=_ts(now - timedelta(hours=2)),
        occur_time=_ts(now - timedelta(hours=8)),
        data_categories=["all"],
        subject_categories=["customers"],
        approximate_subjects=1200,
        approximate_records=5400,
        consequences="Targeted phishing of the customers concerned.",
        measures="Bucket closed; access keys rotated; customers to be told.",
        jurisdictions=["gdpr", "pdpa-th", "pdpl-vn"],
    )
    for name, value in changes.items():
        if value is None:
            message.ClearField(name)
        elif isinstance(value, list):
            del getattr(message, name)[:]
            getattr(message, name).extend(value)
        elif isinstance(value, timestamp_pb2.Timestamp):
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def record(running: Running, message: pb.Incident, request_id: str | None = None, **kw):
    request = pb.RecordIncidentRequest(incident=message, request_id=request_id or str(uuid.uuid4()))
    return running.call("RecordIncident", request, **kw)


def test_recording_returns_the_incident_with_complete_drafts_and_the_suite_s_defaults(
    running: Running,
) -> None:
    answer = record(running, incident())
    draft = json.loads(answer.draft_notice_json)
    assert answer.incident.name.startswith("incidents/") and answer.incident.HasField("record_time")
    assert answer.incident.contact == CONTROLLER  # empty contact -> CDP_CONTROLLER
    assert "email" in answer.incident.data_categories  # "all" -> the record of processing
    assert [n["jurisdiction"] for n in draft["notices"]] == ["gdpr", "pdpa-th", "pdpl-vn"]
    assert all(n["completeness_percent"] == 100.0 for n in draft["notices"])
    assert all(69.0 < n["hours_remaining"] <= 70.0 for n in draft["notices"])


def test_an_incident_reads_back_with_its_drafts(running: Running) -> None:
    recorded = record(running, incident(consequences=""))
    for role in ("compliance_officer", "auditor"):
        found = running.call(
            "GetIncident", pb.GetIncidentRequest(name=recorded.incident.name), role=role
        )
        assert found.incident == recorded.incident
        draft = json.loads(found.draft_notice_json)
        assert all("consequences" in n["missing"] for n in draft["notices"])


def test_a_retried_request_records_one_incident_and_one_audit_entry(running: Running) -> None:
    request_id, message = str(uuid.uuid4()), incident()
    first = record(running, message, request_id)
    second = record(running, message, request_id)
    other = record(running, incident(), str(uuid.uuid4()))
    assert second.incident == first.incident and other.incident.name != first.incident.name
    assert running.actions().count("breach.recorded") == 2
    assert running.app.verify_audit().valid


def test_an_unknown_incident_is_not_found_and_a_malformed_name_is_invalid(
    running: Running,
) -> None:
    with pytest.raises(grpc.RpcError) as unknown:
        running.call("GetIncident", pb.GetIncidentRequest(name=f"incidents/{uuid.uuid4()}"))
    with pytest.raises(grpc.RpcError) as malformed:
        running.call("GetIncident", pb.GetIncidentRequest(name="dataSubjectRequests/1"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(unknown.value).reason == "INCIDENT_NOT_FOUND"
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(malformed.value).metadata["field"] == "name"


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"nature": ""}, "FIELD_REQUIRED", "incident.nature"),
        ({"nature": "Found by j.doe@example.test"}, "PERSONAL_DATA_IN_TEXT", "incident.nature"),
        ({"jurisdictions": ["gdpr", "ccpa"]}, "UNKNOWN_JURISDICTION", "incident.jurisdictions[1]"),
        ({"data_categories": []}, "FIELD_REQUIRED", "incident.data_categories"),
        ({"approximate_records": -1}, "NEGATIVE_COUNT", "incident.approximate_records"),
    ],
)
def test_an_unfit_incident_is_invalid_argument_naming_the_field_and_records_nothing(
    running: Running, changes: dict, reason: str, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        record(running, incident(**changes))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(caught.value).reason == reason
    assert _violations(caught.value) == [field]
    assert "example.test" not in caught.value.details()
    assert running.actions() == []


def test_a_future_discovery_or_missing_request_id_is_refused(running: Running) -> None:
    future = _ts(datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(grpc.RpcError) as in_future:
        record(running, incident(occur_time=None, discover_time=future))
    with pytest.raises(grpc.RpcError) as no_id:
        running.call("RecordIncident", pb.RecordIncidentRequest(incident=incident()))
    assert _violations(in_future.value) == ["incident.discover_time"]
    assert _violations(no_id.value) == ["request_id"]


def test_only_a_compliance_officer_records_and_only_they_or_an_auditor_read(
    running: Running,
) -> None:
    recorded = record(running, incident())
    denied = []
    for role in ("profile_reader", "auditor", "consent_manager"):
        with pytest.raises(grpc.RpcError) as caught:
            record(running, incident(), role=role)
        denied.append(caught.value.code())
    with pytest.raises(grpc.RpcError) as read:
        running.call(
            "GetIncident", pb.GetIncidentRequest(name=recorded.incident.name), role="profile_reader"
        )
    assert denied == [grpc.StatusCode.PERMISSION_DENIED] * 3
    assert read.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert running.actions().count("breach.recorded") == 1


def _violations(err: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(err)
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            return [v.field for v in bad.field_violations]
    return []
