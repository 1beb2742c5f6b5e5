"""T3: granting some purposes never implies another; CheckConsent answers False for every other one."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdp.consent.domain.consent import ConsentQuery, ConsentStatus
from cdp.consent.service_layer.consent import (
    ConsentLedger,
    check_consent,
    record_consent,
    subject_id_of,
)
from tests.unit.consent.builders import Clock, command, ledger, migrated_engine

PURPOSES = [f"purpose_{letter}" for letter in "abcdef"]
# What may happen to a purpose that ends up NOT granted: never asked, refused, granted then
# withdrawn or denied, a grant that expired, a grant that only starts tomorrow.
NOT_GRANTED = ["none", "denied", "withdrawn", "denied_after_grant", "expired", "future"]
_counter = itertools.count()
_ledger: ConsentLedger | None = None


def _shared_ledger() -> ConsentLedger:
    """One in-memory database for all examples; each example is a new person."""
    global _ledger
    if _ledger is None:
        _ledger = ledger(migrated_engine(), Clock())
    return _ledger


def _record(store: ConsentLedger, email: str, purpose: str, how: str) -> None:
    now = store.clock()
    steps = {
        "granted": [(ConsentStatus.GRANTED, {})],
        "denied": [(ConsentStatus.DENIED, {})],
        "withdrawn": [(ConsentStatus.GRANTED, {}), (ConsentStatus.WITHDRAWN, {})],
        "denied_after_grant": [(ConsentStatus.GRANTED, {}), (ConsentStatus.DENIED, {})],
        "expired": [
            (
                ConsentStatus.GRANTED,
                {"valid_from": now - timedelta(days=2), "expire_time": now - timedelta(days=1)},
            )
        ],
        "future": [(ConsentStatus.GRANTED, {"valid_from": now + timedelta(days=1)})],
        "none": [],
    }[how]
    for index, (status, times) in enumerate(steps):
        # Later steps are later in time, as a person's decisions are.
        when = {"valid_from": now - timedelta(microseconds=len(steps) - index), **times}
        record_consent(store, command(status, purpose=purpose, email=email, **when))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    granted=st.sets(st.sampled_from(PURPOSES)),
    others=st.lists(st.sampled_from(NOT_GRANTED), min_size=6, max_size=6),
)
def test_only_granted_purposes_are_granted(granted: set[str], others: list[str]) -> None:
    store = _shared_ledger()
    email = f"person{next(_counter)}@example.test"
    for purpose, how in zip(PURPOSES, others, strict=True):
        _record(store, email, purpose, "granted" if purpose in granted else how)
    subject = subject_id_of(store.indexer, command(email=email).subject)

    answers = check_consent(store, [ConsentQuery(subject, p) for p in PURPOSES])

    assert {p for p, ok in zip(PURPOSES, answers, strict=True) if ok} == granted
