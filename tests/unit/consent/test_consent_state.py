"""Derived consent state: latest decision in force per purpose; silence and expiry are not consent."""

from __future__ import annotations

from datetime import timedelta

from cdp.consent.domain.consent import (
    ConsentStatus,
    deciding_record,
    is_granted,
    purpose_states,
)
from tests.unit.consent.builders import T0, record

GRANTED, DENIED, WITHDRAWN = ConsentStatus.GRANTED, ConsentStatus.DENIED, ConsentStatus.WITHDRAWN
HOUR = timedelta(hours=1)


def test_no_record_is_not_granted() -> None:
    assert is_granted([], T0) is False
    assert purpose_states([], T0) == []


def test_the_latest_decision_wins() -> None:
    history = [
        record(GRANTED, valid_from=T0, sequence=1),
        record(WITHDRAWN, valid_from=T0 + HOUR, sequence=2),
    ]
    assert is_granted(history, T0 + 2 * HOUR) is False
    assert is_granted(
        [*history, record(GRANTED, valid_from=T0 + 2 * HOUR, sequence=3)], T0 + 3 * HOUR
    )


def test_a_denial_after_a_grant_revokes_it_and_a_new_grant_restores_it() -> None:
    history = [record(GRANTED, sequence=1), record(DENIED, valid_from=T0 + HOUR, sequence=2)]
    assert is_granted(history, T0 + HOUR) is False
    assert is_granted(history, T0 + HOUR - timedelta(microseconds=1)) is True


def test_an_expired_grant_counts_as_not_granted() -> None:
    grant = record(GRANTED, valid_from=T0, expire_time=T0 + HOUR)
    assert is_granted([grant], T0 + HOUR - timedelta(seconds=1)) is True
    assert is_granted([grant], T0 + HOUR) is False
    [state] = purpose_states([grant], T0 + 2 * HOUR)
    assert state.status is None and state.record == grant.name


def test_an_expired_latest_grant_does_not_revive_an_older_one() -> None:
    history = [
        record(GRANTED, valid_from=T0, sequence=1),
        record(GRANTED, valid_from=T0 + HOUR, expire_time=T0 + 2 * HOUR, sequence=2),
    ]
    assert is_granted(history, T0 + 3 * HOUR) is False


def test_a_record_not_yet_valid_does_not_count() -> None:
    future = record(GRANTED, valid_from=T0 + HOUR)
    assert is_granted([future], T0) is False
    [state] = purpose_states([future], T0)
    assert state.status is None and state.record == ""


def test_a_late_recorded_older_decision_does_not_override_a_newer_one() -> None:
    # A paper withdrawal signed before an online grant, recorded after it: the grant is newer.
    grant = record(GRANTED, valid_from=T0 + HOUR, sequence=1)
    paper = record(WITHDRAWN, valid_from=T0, sequence=2)
    assert deciding_record([grant, paper], T0 + 2 * HOUR) == grant


def test_equal_valid_from_goes_to_the_later_append() -> None:
    first, second = record(GRANTED, sequence=1), record(WITHDRAWN, sequence=2)
    assert deciding_record([second, first], T0) == second


def test_purposes_are_independent() -> None:
    history = [
        record(GRANTED, purpose="email_marketing", sequence=1),
        record(DENIED, purpose="sms_marketing", sequence=2),
        record(WITHDRAWN, purpose="analytics", sequence=3),
    ]
    states = {s.purpose: s.status for s in purpose_states(history, T0)}
    assert states == {"analytics": WITHDRAWN, "email_marketing": GRANTED, "sms_marketing": DENIED}
    assert not is_granted([r for r in history if r.purpose == "sms_marketing"], T0)
