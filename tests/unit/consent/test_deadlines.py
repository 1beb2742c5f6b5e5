"""Due dates per jurisdiction (privacy.md R7, figure T18): month ends, leap years, holidays, one extension."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdp.consent.domain.deadlines import Calendar, add_months, due_time, extend
from cdp.errors import FailedPrecondition, InvalidArgument

CAL = Calendar.load()
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 9, 30)).map(
    lambda d: d.replace(tzinfo=UTC)
)


def test_a_month_from_january_31st_is_the_end_of_february() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1).date() == date(2026, 2, 28)
    assert add_months(datetime(2028, 1, 31, tzinfo=UTC), 1).date() == date(2028, 2, 29)


def test_vietnamese_working_days_skip_tet() -> None:
    received = datetime(2026, 2, 12, 9, tzinfo=UTC)  # Thursday before Tết 2026 (14-22 Feb off)
    due = due_time("pdpl-vn", True, received, CAL)
    assert due.date() == date(2026, 3, 12)  # 13 Feb, then 23 Feb onwards: 15 working days


def test_a_thai_deadline_landing_on_songkran_moves_to_the_next_working_day() -> None:
    received = datetime(2026, 3, 14, tzinfo=UTC)  # + 30 days = 13 April 2026, Songkran
    assert due_time("pdpa-th", False, received, CAL).date() == date(2026, 4, 16)


def test_the_deadline_can_be_extended_once_only() -> None:
    received = datetime(2026, 5, 4, tzinfo=UTC)
    assert extend("gdpr", False, received, CAL, already_extended=False).date() == date(2026, 8, 4)
    with pytest.raises(FailedPrecondition):
        extend("gdpr", False, received, CAL, already_extended=True)


def test_an_unknown_jurisdiction_is_invalid() -> None:
    with pytest.raises(InvalidArgument) as caught:
        due_time("ccpa", False, datetime(2026, 1, 1, tzinfo=UTC), CAL)
    assert caught.value.field == "jurisdiction"


@settings(max_examples=1000, deadline=None)
@given(
    received=moments,
    erasure=st.booleans(),
    jurisdiction=st.sampled_from(["gdpr", "pdpa-th", "pdpl-vn"]),
)
def test_every_due_date_is_later_and_extension_is_later_still(
    received, erasure, jurisdiction
) -> None:
    due = due_time(jurisdiction, erasure, received, CAL)
    extended = due_time(jurisdiction, erasure, received, CAL, extended=True)
    assert received < due < extended
    if jurisdiction == "pdpl-vn":
        assert CAL.is_working_day(due.date(), "VN")
        days = sum(
            CAL.is_working_day(received.date() + timedelta(d), "VN")
            for d in range(1, (due.date() - received.date()).days + 1)
        )
        assert days == 15
    if jurisdiction == "pdpa-th":
        assert CAL.is_working_day(due.date(), "TH")
        assert (due - received).days >= (90 if erasure else 30)
    if jurisdiction == "gdpr":
        assert 28 <= (due - received).days <= 31
