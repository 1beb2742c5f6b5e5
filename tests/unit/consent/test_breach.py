"""The breach runbook's domain (R26): what an incident may hold, and each regulator's draft notice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cdp.consent.domain.breach import Incident, incident_id_from_name, validated
from cdp.consent.domain.breach_notice import REGIMES, SUBJECTS_TOLD, draft_notices
from cdp.consent.domain.processing import record_of_processing
from cdp.errors import InvalidArgument

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONTROLLER = "Data Protection Officer, Example Retail Co."
ALL_JURISDICTIONS = ("gdpr", "pdpa-th", "pdpl-vn")


def complete(**changes) -> Incident:
    """An incident with every field any regulator asks for."""
    base = Incident(
        nature="A misconfigured export bucket was publicly readable for six hours.",
        discover_time=NOW - timedelta(hours=10),
        occur_time=NOW - timedelta(hours=20),
        contact="Data Protection Officer, Example Retail Co., via the privacy portal",
        data_categories=("email", "phone", "purchase history"),
        subject_categories=("customers",),
        approximate_subjects=1200,
        approximate_records=5400,
        consequences="Phishing aimed at the customers concerned; no payment data involved.",
        measures="Bucket closed, access logs reviewed, keys rotated, customers to be told.",
        jurisdictions=ALL_JURISDICTIONS,
    )
    return replace(base, **changes)


def notices(incident: Incident, now: datetime = NOW) -> dict[str, dict]:
    recorded = replace(validated(incident, now, CONTROLLER), name="incidents/x", record_time=now)
    return {n["jurisdiction"]: n for n in draft_notices(recorded, now)["notices"]}


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"nature": "  "}, "FIELD_REQUIRED", "incident.nature"),
        ({"nature": "x" * 4001}, "VALUE_TOO_LONG", "incident.nature"),
        ({"discover_time": None}, "FIELD_REQUIRED", "incident.discover_time"),
        ({"discover_time": NOW + timedelta(days=1)}, "TIME_IN_FUTURE", "incident.discover_time"),
        (
            {"occur_time": NOW - timedelta(hours=9)},
            "OCCURRED_AFTER_DISCOVERY",
            "incident.occur_time",
        ),
        ({"approximate_subjects": -1}, "NEGATIVE_COUNT", "incident.approximate_subjects"),
        ({"approximate_records": -5}, "NEGATIVE_COUNT", "incident.approximate_records"),
        ({"jurisdictions": ()}, "FIELD_REQUIRED", "incident.jurisdictions"),
        (
            {"jurisdictions": ("gdpr", "ccpa")},
            "UNKNOWN_JURISDICTION",
            "incident.jurisdictions[1]",
        ),
        ({"data_categories": ()}, "FIELD_REQUIRED", "incident.data_categories"),
        ({"data_categories": ("email", " ")}, "FIELD_REQUIRED", "incident.data_categories[1]"),
        ({"data_categories": ("c",) * 65}, "TOO_MANY_ITEMS", "incident.data_categories"),
        (
            {"nature": "Reported by ops-lead@example.test"},
            "PERSONAL_DATA_IN_TEXT",
            "incident.nature",
        ),
        (
            {"consequences": "Customers may be called from 0901 234 567"},
            "PERSONAL_DATA_IN_TEXT",
            "incident.consequences",
        ),
        (
            {"measures": "Hotline +66 81 234 5678 opened"},
            "PERSONAL_DATA_IN_TEXT",
            "incident.measures",
        ),
        ({"contact": "dpo.nguyen@example.test"}, "PERSONAL_DATA_IN_TEXT", "incident.contact"),
        (
            {"subject_categories": ("customers", "081 234 5678")},
            "PERSONAL_DATA_IN_TEXT",
            "incident.subject_categories[1]",
        ),
    ],
)
def test_an_unfit_incident_is_invalid_argument_naming_the_field(
    changes: dict, reason: str, field: str
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        validated(complete(**changes), NOW, CONTROLLER)
    assert (caught.value.reason, caught.value.field) == (reason, field)
    for value in changes.values():
        if isinstance(value, str) and value.strip():
            assert value not in caught.value.message


def test_dates_counts_and_an_empty_contact_are_not_mistaken_for_personal_data() -> None:
    incident = validated(
        complete(
            nature="Open from 2026-03-01T10:00:00 to 2026-03-01 16:00; rows 100000000-100005400.",
            contact="",
            approximate_records=12_000_000,
        ),
        NOW,
        CONTROLLER,
    )
    assert incident.contact == CONTROLLER


def test_all_categories_come_from_the_record_of_processing() -> None:
    incident = validated(
        complete(data_categories=("all",), subject_categories=("All",)), NOW, CONTROLLER
    )
    record = record_of_processing(CONTROLLER)
    assert list(incident.data_categories) == record["data_categories"]
    assert list(incident.subject_categories) == record["data_subjects"]


def test_a_discovery_a_few_seconds_ahead_of_the_clock_is_tolerated() -> None:
    incident = validated(
        complete(discover_time=NOW + timedelta(seconds=5), occur_time=None), NOW, CONTROLLER
    )
    assert incident.discover_time == NOW + timedelta(seconds=5)


@pytest.mark.parametrize("jurisdiction", ALL_JURISDICTIONS)
def test_every_field_the_regulator_requires_present_is_a_complete_draft(
    jurisdiction: str,
) -> None:
    notice = notices(complete(jurisdictions=(jurisdiction,)))[jurisdiction]
    required = [r.field for r in REGIMES[jurisdiction].requirements]
    assert [f["field"] for f in notice["fields"]] == required
    assert all(f["present"] and f["value"] for f in notice["fields"])
    assert notice["completeness_percent"] == 100.0 and notice["missing"] == []
    assert notice["regulator"] and notice["law"]


def test_each_regime_asks_for_what_its_law_names() -> None:
    fields = {j: {r.field for r in REGIMES[j].requirements} for j in ALL_JURISDICTIONS}
    article_33_3 = {
        "nature",
        "data_categories",
        "subject_categories",
        "approximate_subjects",
        "approximate_records",
        "contact",
        "consequences",
        "measures",
    }
    assert fields["gdpr"] == article_33_3 | {SUBJECTS_TOLD}
    assert fields["pdpa-th"] == article_33_3 | {SUBJECTS_TOLD, "occur_time", "discover_time"}
    assert fields["pdpl-vn"] == article_33_3 - {"subject_categories"}
    assert "A05" in REGIMES["pdpl-vn"].regulator


def test_missing_consequences_leave_every_draft_incomplete_and_say_so() -> None:
    drafts = notices(complete(consequences=""))
    for jurisdiction, notice in drafts.items():
        assert notice["completeness_percent"] < 100.0, jurisdiction
        assert "consequences" in notice["missing"]
    # Whether the subjects must be told follows from the consequences: undecidable without them.
    assert SUBJECTS_TOLD in drafts["gdpr"]["missing"]
    assert SUBJECTS_TOLD in drafts["pdpa-th"]["missing"]


def test_an_unknown_time_of_the_breach_is_missing_only_where_a_regulator_asks_for_it() -> None:
    drafts = notices(complete(occur_time=None))
    assert drafts["pdpa-th"]["missing"] == ["occur_time"]
    assert drafts["gdpr"]["missing"] == [] and drafts["pdpl-vn"]["missing"] == []


def test_unknown_counts_are_missing_rather_than_zero() -> None:
    notice = notices(complete(approximate_subjects=0))["gdpr"]
    assert notice["missing"] == ["approximate_subjects"]
    assert notice["completeness_percent"] == pytest.approx(100 * 8 / 9, abs=0.1)


def test_the_deadline_is_72_hours_after_discovery_in_every_jurisdiction() -> None:
    discovered = NOW - timedelta(hours=10)
    drafts = notices(complete(discover_time=discovered))
    for notice in drafts.values():
        assert datetime.fromisoformat(notice["deadline"]) == discovered + timedelta(hours=72)
        assert notice["hours_remaining"] == 62.0 and notice["overdue"] is False


def test_a_draft_after_the_deadline_is_overdue() -> None:
    incident = complete(discover_time=NOW - timedelta(hours=80), occur_time=None)
    notice = notices(incident)["gdpr"]
    assert notice["hours_remaining"] == -8.0 and notice["overdue"] is True


def test_only_names_of_the_suite_s_own_shape_are_incident_names() -> None:
    incident_id = "0b7e4a4c-2f7e-4c1a-9d55-3c1f0a1b2c3d"
    assert incident_id_from_name(f"incidents/{incident_id}") == incident_id
    with pytest.raises(InvalidArgument) as caught:
        incident_id_from_name("incidents/../../etc")
    assert caught.value.field == "name"
