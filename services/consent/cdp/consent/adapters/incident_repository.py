"""Storage of breach incidents: one row each, the incident as JSON by its proto field names."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Column, Connection, DateTime, String, Table, Text, insert, select

from cdp.consent.adapters.orm import metadata
from cdp.consent.domain.breach import Incident, utc

# The incident holds no personal data (domain.breach refuses emails and phone numbers in its text),
# so it is kept in the clear; request_id is unique so that a retried RecordIncident finds its twin.
incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", String(36), primary_key=True),
    Column("request_id", String(36), nullable=False, unique=True),
    Column("incident_json", Text, nullable=False),
    Column("discover_time", DateTime(timezone=True), nullable=False),
    Column("notify_by", DateTime(timezone=True), nullable=False),
    Column("record_time", DateTime(timezone=True), nullable=False),
)
_TIMES = ("discover_time", "occur_time", "record_time")
_LISTS = ("data_categories", "subject_categories", "jurisdictions")


class SqlIncidentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, incident_id: str, request_id: str, incident: Incident) -> None:
        self._conn.execute(
            insert(incidents).values(
                incident_id=incident_id,
                request_id=request_id,
                incident_json=json.dumps(to_document(incident), ensure_ascii=False),
                discover_time=incident.discover_time,
                notify_by=incident.notify_by,
                record_time=incident.record_time,
            )
        )

    def get(self, incident_id: str) -> Incident | None:
        return self._one(incidents.c.incident_id == incident_id)

    def by_request(self, request_id: str) -> Incident | None:
        return self._one(incidents.c.request_id == request_id)

    def _one(self, condition) -> Incident | None:
        raw = self._conn.execute(select(incidents.c.incident_json).where(condition)).scalar()
        return None if raw is None else from_document(json.loads(raw))


def to_document(incident: Incident) -> dict:
    """The Incident message's fields by proto name; times in RFC 3339 UTC, absent ones left out."""
    document: dict = {
        "name": incident.name,
        "nature": incident.nature,
        "contact": incident.contact,
        "consequences": incident.consequences,
        "measures": incident.measures,
        "approximate_subjects": incident.approximate_subjects,
        "approximate_records": incident.approximate_records,
    }
    document |= {name: list(getattr(incident, name)) for name in _LISTS}
    document |= {
        name: utc(getattr(incident, name)).isoformat()
        for name in _TIMES
        if getattr(incident, name) is not None
    }
    return document


def from_document(document: dict) -> Incident:
    values = dict(document)
    values |= {name: tuple(values.get(name, ())) for name in _LISTS}
    values |= {name: _time(values.get(name)) for name in _TIMES}
    return Incident(**values)


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
