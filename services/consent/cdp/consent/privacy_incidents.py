"""PrivacyService.RecordIncident / GetIncident: the breach runbook."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from google.protobuf import timestamp_pb2

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.consent.domain.breach import Incident, incident_id_from_name
from cdp.consent.service_layer import breach
from cdp.errors import InvalidArgument

_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799  # 0001-01-01 .. 9999-12-31


class IncidentMethods:
    """Mixed into PrivacyService's servicer (kept apart so each RPC family has its own file)."""

    def RecordIncident(self, request, context) -> pb.RecordIncidentResponse:
        command = breach.RecordIncident(request.request_id, _incident(request.incident))
        incident, draft = breach.record_incident(command, self._breach_deps())
        return pb.RecordIncidentResponse(incident=_proto(incident), draft_notice_json=_json(draft))

    def GetIncident(self, request, context) -> pb.GetIncidentResponse:
        found = incident_id_from_name(request.name)
        incident, draft = breach.get_incident(found, self._breach_deps())
        return pb.GetIncidentResponse(incident=_proto(incident), draft_notice_json=_json(draft))

    def _breach_deps(self) -> breach.BreachDeps:
        app = self._app  # set by the servicer this is mixed into
        return breach.BreachDeps(app.engine, app.record_audit, app.controller)


def _incident(message: pb.Incident) -> Incident:
    return Incident(
        nature=message.nature,
        discover_time=_time(message, "discover_time"),
        occur_time=_time(message, "occur_time"),
        contact=message.contact,
        data_categories=tuple(message.data_categories),
        subject_categories=tuple(message.subject_categories),
        approximate_subjects=message.approximate_subjects,
        approximate_records=message.approximate_records,
        consequences=message.consequences,
        measures=message.measures,
        jurisdictions=tuple(message.jurisdictions),
    )


def _proto(incident: Incident) -> pb.Incident:
    message = pb.Incident(
        name=incident.name,
        nature=incident.nature,
        data_categories=incident.data_categories,
        subject_categories=incident.subject_categories,
        approximate_subjects=incident.approximate_subjects,
        approximate_records=incident.approximate_records,
        contact=incident.contact,
        consequences=incident.consequences,
        measures=incident.measures,
        jurisdictions=incident.jurisdictions,
    )
    for name in ("discover_time", "occur_time", "record_time"):
        if getattr(incident, name) is not None:
            getattr(message, name).CopyFrom(_timestamp(getattr(incident, name)))
    return message


def _time(message: pb.Incident, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    stamp: timestamp_pb2.Timestamp = getattr(message, name)
    # ToDatetime raises ValueError outside 0001..9999 or with bad nanos: that is the caller's error.
    if not (_MIN_SECONDS <= stamp.seconds <= _MAX_SECONDS and 0 <= stamp.nanos < 1_000_000_000):
        raise InvalidArgument(
            "INVALID_TIMESTAMP", f"incident.{name} is out of range", field=f"incident.{name}"
        )
    return stamp.ToDatetime(tzinfo=UTC)


def _timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return stamp


def _json(draft: dict) -> bytes:
    return json.dumps(draft, ensure_ascii=False, indent=2).encode()
