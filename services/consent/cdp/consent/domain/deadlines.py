"""When a data-subject request is due by law, per jurisdiction (privacy.md R7; the strictest row wins).

- gdpr: one month from receipt (Art. 12(3)), extendable once by two further months.
- pdpa-th: 30 days (90 for erasure, per the PDPC's 2024 notice), moved to the next Thai working day;
  extendable once by 30 days.
- pdpl-vn: 15 working days with Vietnamese public holidays (Decree 356/2025), extendable once by 15.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from cdp.errors import FailedPrecondition, InvalidArgument

JURISDICTIONS = ("gdpr", "pdpa-th", "pdpl-vn")
DEFAULT_HOLIDAYS = Path(__file__).with_name("holidays.json")


@dataclass(frozen=True)
class Calendar:
    """Public holidays per country code; weekends are never working days."""

    holidays: dict[str, frozenset[date]]

    @classmethod
    def load(cls, path: Path = DEFAULT_HOLIDAYS) -> Calendar:
        raw = json.loads(path.read_text())
        return cls(
            {
                k: frozenset(date.fromisoformat(d) for d in v)
                for k, v in raw.items()
                if k != "_comment"
            }
        )

    def is_working_day(self, day: date, country: str) -> bool:
        return day.weekday() < 5 and day not in self.holidays.get(country, frozenset())

    def add_working_days(self, start: date, days: int, country: str) -> date:
        day = start
        while days > 0:
            day += timedelta(days=1)
            days -= self.is_working_day(day, country)
        return day

    def next_working_day(self, day: date, country: str) -> date:
        while not self.is_working_day(day, country):
            day += timedelta(days=1)
        return day


def add_months(moment: datetime, months: int) -> datetime:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def due_time(
    jurisdiction: str, erasure: bool, received: datetime, cal: Calendar, extended: bool = False
) -> datetime:
    if jurisdiction == "gdpr":
        return add_months(received, 3 if extended else 1)
    if jurisdiction == "pdpa-th":
        days = (90 if erasure else 30) + (30 if extended else 0)
        due = (received + timedelta(days=days)).date()
        return _at(cal.next_working_day(due, "TH"), received)
    if jurisdiction == "pdpl-vn":
        return _at(cal.add_working_days(received.date(), 30 if extended else 15, "VN"), received)
    raise InvalidArgument(
        "UNKNOWN_JURISDICTION",
        f"jurisdiction must be one of {', '.join(JURISDICTIONS)}",
        field="jurisdiction",
    )


def extend(
    jurisdiction: str, erasure: bool, received: datetime, cal: Calendar, already_extended: bool
) -> datetime:
    if already_extended:
        raise FailedPrecondition(
            "ALREADY_EXTENDED", "a request's deadline can be extended only once"
        )
    return due_time(jurisdiction, erasure, received, cal, extended=True)


def _at(day: date, received: datetime) -> datetime:
    return datetime.combine(day, received.timetz())
