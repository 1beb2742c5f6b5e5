"""Draft breach notices (R26): per jurisdiction, the fields its regulator requires and what is missing.

All three regimes want the notice within 72 hours of the controller becoming aware (Incident.notify_by);
see cdp.consent.domain.breach for the laws behind each list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cdp.consent.domain.breach import Incident, utc


@dataclass(frozen=True)
class Requirement:
    field: str  # an Incident attribute, or SUBJECTS_TOLD (derived from the likely consequences)
    text: str  # what the law asks for, with its article


@dataclass(frozen=True)
class Regime:
    jurisdiction: str
    regulator: str
    law: str
    requirements: tuple[Requirement, ...]
    subjects_told: str = ""  # when the data subjects must be told as well, if the law says so


SUBJECTS_TOLD = "subjects_to_be_told"
# GDPR Art. 33(3), point by point; the PDPC's 2022 Notification asks for the same content.
_CONTENT = (
    ("nature", "a", "the nature of the personal data breach"),
    ("data_categories", "a", "categories of personal data concerned"),
    ("subject_categories", "a", "categories of data subjects concerned"),
    ("approximate_subjects", "a", "approximate number of data subjects concerned"),
    ("approximate_records", "a", "approximate number of personal data records concerned"),
    ("contact", "b", "name and contact details of the DPO or other contact point"),
    ("consequences", "c", "likely consequences of the breach"),
    ("measures", "d", "measures taken or proposed, including to mitigate adverse effects"),
)
_PDPC = "PDPC Notification 2022"


def _content(cite: Callable[[str], str]) -> tuple[Requirement, ...]:
    return tuple(Requirement(field, f"{cite(point)}: {text}") for field, point, text in _CONTENT)


REGIMES = {
    "gdpr": Regime(
        "gdpr",
        "the competent supervisory authority (lead authority, GDPR Art. 55-56)",
        "GDPR Art. 33 and 34",
        (
            *_content(lambda point: f"Art. 33(3)({point})"),
            Requirement(SUBJECTS_TOLD, "Art. 34: must the data subjects be told as well?"),
        ),
        "tell the data subjects without undue delay if the likely consequences are a high risk to"
        " their rights and freedoms (Art. 34(1)); not needed if the data were unintelligible to"
        " the recipients, e.g. encrypted with uncompromised keys, or later measures removed the"
        " high risk (Art. 34(3))",
    ),
    "pdpa-th": Regime(
        "pdpa-th",
        "Office of the Personal Data Protection Committee (PDPC), Thailand",
        "PDPA B.E. 2562 s.37(4); PDPC Notification on breach notification B.E. 2565 (2022)",
        (
            *_content(lambda _point: _PDPC),
            Requirement("occur_time", f"{_PDPC}: date and time of the breach"),
            Requirement("discover_time", f"{_PDPC}: date and time the controller became aware"),
            Requirement(SUBJECTS_TOLD, "PDPA s.37(4): must the data subjects be told as well?"),
        ),
        "tell the data subjects without delay, with the remedial measures, if the breach is likely"
        " to result in a high risk to their rights and freedoms (PDPA s.37(4))",
    ),
    "pdpl-vn": Regime(
        "pdpl-vn",
        "Department of Cybersecurity and High-Tech Crime Prevention (A05), Ministry of Public"
        " Security, Vietnam",
        "Law 91/2025/QH15 on Personal Data Protection; Decree 356/2025/ND-CP",
        (
            Requirement("nature", "Decree 356: description of the violation"),
            Requirement("data_categories", "Decree 356: types of personal data concerned"),
            Requirement("approximate_subjects", "Decree 356: number of data subjects concerned"),
            Requirement("approximate_records", "Decree 356: amount of data concerned"),
            Requirement("contact", "Decree 356: contact of the person in charge of protection"),
            Requirement("consequences", "Decree 356: consequences and damage that may arise"),
            Requirement("measures", "Decree 356: measures taken and proposed"),
        ),
    ),
}


def draft_notices(incident: Incident, now: datetime) -> dict:
    """The draft notice per jurisdiction: each required field with its value, what is still missing,
    how complete it is and how many hours are left before the regulator's deadline."""
    return {
        "incident": incident.name,
        "record_time": _iso(incident.record_time),
        "draft_time": _iso(now),
        "notify_by": _iso(incident.notify_by),
        "notices": [_notice(REGIMES[j], incident, now) for j in incident.jurisdictions],
    }


def _notice(regime: Regime, incident: Incident, now: datetime) -> dict:
    fields = []
    for requirement in regime.requirements:
        value = _value(incident, requirement.field, regime)
        fields.append(
            {
                "field": requirement.field,
                "requirement": requirement.text,
                "value": value,
                "present": value is not None,
            }
        )
    missing = [f["field"] for f in fields if not f["present"]]
    return {
        "jurisdiction": regime.jurisdiction,
        "regulator": regime.regulator,
        "law": regime.law,
        "deadline": _iso(incident.notify_by),
        "hours_remaining": round((incident.notify_by - now).total_seconds() / 3600, 1),
        "overdue": now > incident.notify_by,
        "completeness_percent": round(100 * (len(fields) - len(missing)) / len(fields), 1),
        "missing": missing,
        "fields": fields,
    }


def _value(incident: Incident, field: str, regime: Regime) -> object:
    """The field's value for the notice, or None while it is unknown (zero counts are unknown)."""
    if field == SUBJECTS_TOLD:
        # Whether the risk is high follows from the likely consequences: no decision without them.
        return regime.subjects_told if incident.consequences else None
    value = getattr(incident, field)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, tuple):
        return list(value) or None
    return value or None


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return utc(moment).astimezone(UTC).isoformat().replace("+00:00", "Z")
