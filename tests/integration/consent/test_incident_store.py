"""Breach incidents on real SQLite and PostgreSQL: stored and read back whole, one row and one audit
entry per request_id (retries and concurrent twins included)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from cdp.consent.adapters.audit_repository import AuditWriter, read_entries
from cdp.consent.adapters.incident_repository import SqlIncidentRepository, incidents
from cdp.consent.domain.audit import NewAuditEntry
from cdp.consent.domain.breach import Incident, validated
from cdp.consent.service_layer.breach import (
    BreachDeps,
    RecordIncident,
    get_incident,
    record_incident,
)
from cdp.db import write_transaction
from cdp.errors import AlreadyExists, NotFound
from tests.unit.consent.builders import migrated_engine

NOW = datetime.now(UTC).replace(microsecond=123456)
REQUEST_ID = "3f0c8f9e-8d7b-4c55-9b1e-2d4f6a8b0c1d"


def incident(**changes) -> Incident:
    base = Incident(
        nature="Export bucket publicly readable for six hours; now closed.",
        discover_time=NOW - timedelta(hours=3),
        occur_time=NOW - timedelta(hours=9),
        data_categories=("email", "phone"),
        subject_categories=("customers",),
        approximate_subjects=1200,
        approximate_records=5400,
        consequences="Targeted phishing.",
        measures="Bucket closed; keys rotated.",
        jurisdictions=("gdpr", "pdpl-vn"),
    )
    return replace(base, **changes)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def deps(engine: Engine) -> BreachDeps:
    writer = AuditWriter(Ed25519PrivateKey.generate())

    def audit(conn, action: str, subject_ids: list[str], details: dict) -> None:
        writer.append(conn, NewAuditEntry("compliance-test", action, subject_ids, details))

    return BreachDeps(engine, audit, "Example Retail Co.", clock=lambda: NOW)


def _actions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [e.action for e in read_entries(conn)]


def test_an_incident_reads_back_exactly_as_stored(engine: Engine) -> None:
    stored = replace(
        validated(incident(), NOW, "Example Retail Co."),
        name="incidents/8a4c2b1e-0f3d-4e6a-9b7c-5d2e1f0a3b4c",
        record_time=NOW,
    )
    with write_transaction(engine) as conn:
        SqlIncidentRepository(conn).add(stored.name.split("/")[1], REQUEST_ID, stored)
    with engine.connect() as conn:
        repository = SqlIncidentRepository(conn)
        assert repository.get(stored.name.split("/")[1]) == stored
        assert repository.by_request(REQUEST_ID) == stored
        assert repository.get("00000000-0000-4000-8000-000000000000") is None


def test_a_request_id_names_one_incident_only(engine: Engine) -> None:
    stored = replace(incident(), name="incidents/a", record_time=NOW)
    with write_transaction(engine) as conn:
        SqlIncidentRepository(conn).add("a", REQUEST_ID, stored)
    with pytest.raises(IntegrityError), write_transaction(engine) as conn:
        SqlIncidentRepository(conn).add("b", REQUEST_ID, stored)


def test_recording_stores_one_row_and_one_audit_entry_and_drafts_at_once(
    deps: BreachDeps,
) -> None:
    recorded, draft = record_incident(RecordIncident(REQUEST_ID, incident()), deps)
    assert recorded.name.startswith("incidents/") and recorded.record_time == NOW
    assert draft["incident"] == recorded.name
    assert [n["completeness_percent"] for n in draft["notices"]] == [100.0, 100.0]
    assert _actions(deps.engine) == ["breach.recorded"]
    again, _ = get_incident(recorded.name.split("/")[1], deps)
    assert again == recorded


def test_a_retry_answers_the_first_incident_without_another_entry(deps: BreachDeps) -> None:
    first, _ = record_incident(RecordIncident(REQUEST_ID, incident()), deps)
    second, _ = record_incident(RecordIncident(REQUEST_ID.upper(), incident()), deps)
    assert second == first
    with pytest.raises(AlreadyExists) as caught:
        record_incident(RecordIncident(REQUEST_ID, incident(approximate_subjects=7)), deps)
    assert caught.value.reason == "REQUEST_ID_REUSED"
    assert _actions(deps.engine) == ["breach.recorded"]


def test_concurrent_twins_record_one_incident(deps: BreachDeps) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(
                lambda _: record_incident(RecordIncident(REQUEST_ID, incident()), deps)[0],
                range(6),
            )
        )
    assert len({r.name for r in results}) == 1
    with deps.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(incidents)).scalar() == 1
    assert _actions(deps.engine) == ["breach.recorded"]


def test_an_unknown_incident_is_not_found(deps: BreachDeps) -> None:
    with pytest.raises(NotFound) as caught:
        get_incident("00000000-0000-4000-8000-000000000000", deps)
    assert caught.value.reason == "INCIDENT_NOT_FOUND"
