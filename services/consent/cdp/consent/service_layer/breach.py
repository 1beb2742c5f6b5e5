"""The breach runbook (R26): record an incident and draft the regulators' notices at once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import Engine

from cdp.consent.adapters.audit_repository import AUDIT_LOCK
from cdp.consent.adapters.incident_repository import SqlIncidentRepository, to_document
from cdp.consent.domain.breach import Incident, validated
from cdp.consent.domain.breach_notice import draft_notices
from cdp.consent.domain.requests import check_request_id
from cdp.db import write_transaction
from cdp.errors import AlreadyExists, NotFound

Draft = dict  # breach_notice.draft_notices: the notices per jurisdiction


@dataclass(frozen=True)
class RecordIncident:
    request_id: str  # idempotency key (UUIDv4)
    incident: Incident


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BreachDeps:
    engine: Engine
    audit: Callable[[object, str, list[str], dict], None]  # (conn, action, subject_ids, details)
    controller: str  # the default contact point (CDP_CONTROLLER)
    clock: Callable[[], datetime] = field(default=_utc_now)


def record_incident(cmd: RecordIncident, deps: BreachDeps) -> tuple[Incident, Draft]:
    """Stores the incident with one "breach.recorded" audit entry in one transaction; a retry with
    the same request_id answers the first incident and records nothing."""
    request_id = check_request_id(cmd.request_id)
    now = deps.clock()
    incident = validated(cmd.incident, now, deps.controller)
    with write_transaction(deps.engine, AUDIT_LOCK) as conn:
        repository = SqlIncidentRepository(conn)
        existing = repository.by_request(request_id)
        if existing is not None:
            return _same_or_conflict(existing, incident, request_id), draft_notices(existing, now)
        incident_id = str(uuid.uuid4())
        incident = replace(incident, name=f"incidents/{incident_id}", record_time=now)
        repository.add(incident_id, request_id, incident)
        deps.audit(conn, "breach.recorded", [], _audit_details(incident))
    return incident, draft_notices(incident, now)


def get_incident(incident_id: str, deps: BreachDeps) -> tuple[Incident, Draft]:
    """The incident with its notices drafted now (hours remaining as of this call)."""
    with deps.engine.connect() as conn:
        incident = SqlIncidentRepository(conn).get(incident_id)
    if incident is None:
        raise NotFound("INCIDENT_NOT_FOUND", "no such incident", name=f"incidents/{incident_id}")
    return incident, draft_notices(incident, deps.clock())


def _same_or_conflict(existing: Incident, incident: Incident, request_id: str) -> Incident:
    if _content(existing) != _content(incident):
        raise AlreadyExists(
            "REQUEST_ID_REUSED",
            "this request_id already recorded a different incident",
            request_id=request_id,
        )
    return existing


def _content(incident: Incident) -> dict:
    return to_document(replace(incident, name="", record_time=None))


def _audit_details(incident: Incident) -> dict:
    return {
        "incident": incident.name,
        "jurisdictions": list(incident.jurisdictions),
        "notify_by": incident.notify_by.isoformat(),
        "approximate_subjects": incident.approximate_subjects,
        "approximate_records": incident.approximate_records,
    }
