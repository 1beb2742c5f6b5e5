"""Personal-data breaches (R26): the incident record and its validation (drafts: breach_notice.py).

Notices are due 72 hours after the controller became aware, under all three regimes:
- gdpr: Art. 33(1) to the supervisory authority, content per Art. 33(3); Art. 34 decides whether the
  data subjects must be told as well.
- pdpa-th: PDPA s.37(4) and the PDPC Notification on criteria and methods of breach notification
  (B.E. 2565, 2022): the Art. 33(3) content plus when the breach happened and when it was discovered.
- pdpl-vn: Law 91/2025/QH15 with Decree 356/2025: to the competent authority (A05, Ministry of Public
  Security) with a description, data categories and numbers, contact, consequences and measures.

An incident holds no personal data by construction: free text naming an email address or a phone
number is refused, so the record can be stored and audited in the clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from cdp.consent.domain.deadlines import JURISDICTIONS
from cdp.consent.domain.processing import record_of_processing
from cdp.errors import InvalidArgument, field_required, too_many, value_too_long
from cdp.pii import InvalidIdentifier, normalize

MAX_TEXT = 4000
MAX_CONTACT = 512
MAX_CATEGORY = 128
MAX_CATEGORIES = 64
NOTIFY_WITHIN = timedelta(hours=72)
# A discovery a few seconds "in the future" is the caller's clock running ahead, not a typo.
CLOCK_SKEW = timedelta(minutes=1)
ALL = "all"
INCIDENT_NAME = re.compile(
    r"^incidents/([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$"
)

_EMAIL = re.compile(r"[\w.+\-%]+@[\w\-]+(\.[\w\-]+)+")
_DIGIT_RUN = re.compile(r"\+?\d[\d\s().\-]{6,}\d")
# ISO dates and times read like digit runs; they are when things happened, not numbers to dial.
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_INTERNATIONAL_DIGITS = 8


@dataclass(frozen=True)
class Incident:
    """What the compliance officer knows about a breach; `name` and `record_time` are the suite's."""

    nature: str
    discover_time: datetime | None
    contact: str = ""
    occur_time: datetime | None = None
    data_categories: tuple[str, ...] = ()
    subject_categories: tuple[str, ...] = ()
    approximate_subjects: int = 0
    approximate_records: int = 0
    consequences: str = ""
    measures: str = ""
    jurisdictions: tuple[str, ...] = ()
    name: str = ""
    record_time: datetime | None = None

    @property
    def notify_by(self) -> datetime:
        """The regulators' deadline: 72 hours after awareness, the same under all three regimes."""
        return self.discover_time + NOTIFY_WITHIN


def incident_id_from_name(name: str) -> str:
    match = INCIDENT_NAME.match(name.strip().lower())
    if match is None:
        raise InvalidArgument("INVALID_NAME", "name must be incidents/{uuid}", field="name")
    return match.group(1)


def validated(incident: Incident, now: datetime, controller: str) -> Incident:
    """The incident as stored: checked, trimmed, with the suite's defaults filled in.

    `data_categories: ["all"]` means every category in the record of processing; an empty contact is
    the controller named in the settings (CDP_CONTROLLER).
    """
    texts = replace(
        incident,
        nature=incident.nature.strip(),
        contact=incident.contact.strip() or controller.strip(),
        consequences=incident.consequences.strip(),
        measures=incident.measures.strip(),
    )
    _check_texts(texts)
    _check_times(texts, now)
    _check_counts(texts)
    record = record_of_processing(controller)
    return replace(
        texts,
        jurisdictions=_jurisdictions(incident.jurisdictions),
        data_categories=_categories(
            incident.data_categories, "data_categories", record["data_categories"], True
        ),
        subject_categories=_categories(
            incident.subject_categories, "subject_categories", record["data_subjects"], False
        ),
    )


def _check_times(incident: Incident, now: datetime) -> None:
    if incident.discover_time is None:
        raise field_required("incident.discover_time")
    if incident.discover_time > now + CLOCK_SKEW:
        raise InvalidArgument(
            "TIME_IN_FUTURE",
            "incident.discover_time is in the future",
            field="incident.discover_time",
        )
    if incident.occur_time is not None and incident.occur_time > incident.discover_time:
        raise InvalidArgument(
            "OCCURRED_AFTER_DISCOVERY",
            "incident.occur_time is later than incident.discover_time",
            field="incident.occur_time",
        )


def _check_counts(incident: Incident) -> None:
    for name in ("approximate_subjects", "approximate_records"):
        if getattr(incident, name) < 0:
            raise InvalidArgument(
                "NEGATIVE_COUNT", f"incident.{name} must not be negative", field=f"incident.{name}"
            )


def _check_texts(incident: Incident) -> None:
    if not incident.nature:
        raise field_required("incident.nature")
    if not incident.contact:
        raise field_required("incident.contact")
    limits = {"nature": MAX_TEXT, "contact": MAX_CONTACT}
    limits |= {"consequences": MAX_TEXT, "measures": MAX_TEXT}
    for name, limit in limits.items():
        text = getattr(incident, name)
        if len(text) > limit:
            raise value_too_long(f"incident.{name}", limit)
        _refuse_personal_data(text, f"incident.{name}")


def _refuse_personal_data(text: str, field: str) -> None:
    if _EMAIL.search(text) or any(_is_phone(run) for run in _digit_runs(text)):
        raise InvalidArgument(
            "PERSONAL_DATA_IN_TEXT",
            f"{field} must not contain an email address or a phone number",
            field=field,
        )


def _digit_runs(text: str) -> list[str]:
    return [m.group(0).strip() for m in _DIGIT_RUN.finditer(_ISO_MOMENT.sub(" ", text))]


def _is_phone(run: str) -> bool:
    digits = sum(ch.isdigit() for ch in run)
    if run.startswith("+") and digits >= _INTERNATIONAL_DIGITS:
        return True
    try:
        normalize("phone", run)  # a national number valid in a default region (VN, TH)
    except InvalidIdentifier:
        return False
    return True


def _jurisdictions(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise field_required("incident.jurisdictions")
    cleaned = []
    for position, value in enumerate(values):
        if value.strip().lower() not in JURISDICTIONS:
            raise InvalidArgument(
                "UNKNOWN_JURISDICTION",
                f"incident.jurisdictions[{position}] must be one of {', '.join(JURISDICTIONS)}",
                field=f"incident.jurisdictions[{position}]",
            )
        cleaned.append(value.strip().lower())
    return tuple(dict.fromkeys(cleaned))


def _categories(
    values: tuple[str, ...], name: str, everything: list[str], required: bool
) -> tuple[str, ...]:
    field = f"incident.{name}"
    if len(values) > MAX_CATEGORIES:
        raise too_many(field, MAX_CATEGORIES)
    cleaned = [
        _category(value.strip(), f"{field}[{position}]") for position, value in enumerate(values)
    ]
    if ALL in (v.lower() for v in cleaned):
        cleaned = [v for v in cleaned if v.lower() != ALL] + list(everything)
    if required and not cleaned:
        raise field_required(field)
    return tuple(dict.fromkeys(cleaned))


def _category(value: str, field: str) -> str:
    if not value:
        raise field_required(field)
    if len(value) > MAX_CATEGORY:
        raise value_too_long(field, MAX_CATEGORY)
    _refuse_personal_data(value, field)
    return value


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
