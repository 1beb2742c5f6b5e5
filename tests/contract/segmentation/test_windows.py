"""Sliding windows over the real server: the scheduled re-check moves people as events age out.

The server's clock is the real one, so the events sit a few seconds inside the 30-day edge and the
test waits until they have crossed it before it runs the re-check (batch.recheck_windows).
"""

from __future__ import annotations

import time

from cdp.api.segmentation.v1 import segment_pb2
from cdp.segmentation.service_layer import batch
from tests.contract.segmentation.builders import DAY, SECOND, event, new_profile, now_micros, traits
from tests.contract.segmentation.harness import Running

ENTERED, EXITED = (
    segment_pb2.MEMBERSHIP_CHANGE_KIND_ENTERED,
    segment_pb2.MEMBERSHIP_CHANGE_KIND_EXITED,
)
RECENT = 'event("Order Completed").exists(within = 30d)'
MARGIN = 4 * SECOND  # how far inside the window the events start


def _wait_past(instant: int) -> None:
    while now_micros() <= instant:
        time.sleep(max(0.05, (instant - now_micros()) / SECOND))


def _log(running: Running, segment_id: str, after: int = 0) -> list[tuple[str, int, str]]:
    return [
        (c.profile.removeprefix("profiles/"), c.kind, c.reason)
        for c in running.changes(segment_id, after)
    ]


def test_people_exit_with_window_slid_once_their_events_age_out(running: Running) -> None:
    running.ready("recent-buyers", RECENT)
    ageing, fresh = new_profile(), new_profile()
    edge = now_micros() - 30 * DAY + MARGIN
    running.feed(event(ageing, "Order Completed", at=edge), event(fresh, "Order Completed"))
    before = (sorted(running.members("recent-buyers")), batch.recheck_windows(running.app.context))

    _wait_past(edge + 30 * DAY + SECOND)
    changed = batch.recheck_windows(running.app.context)

    assert before == (sorted([ageing, fresh]), 0)
    assert changed == 1
    assert running.members("recent-buyers") == [fresh]
    assert _log(running, "recent-buyers", after=2) == [(ageing, EXITED, "WINDOW_SLID")]


def test_a_window_sliding_past_events_lets_people_into_negated_and_dependent_segments(
    running: Running,
) -> None:
    running.ready("recent-buyers", RECENT)
    running.ready("lapsed-pros", f'traits.plan == "pro" and not {RECENT}')
    running.ready("recent-pros", 'segment("recent-buyers") and traits.plan == "pro"')
    person = new_profile()
    edge = now_micros() - 30 * DAY + MARGIN
    running.feed(traits(person, plan="pro"), event(person, "Order Completed", at=edge))
    before = (running.members("lapsed-pros"), running.members("recent-pros"))

    _wait_past(edge + 30 * DAY + SECOND)
    batch.recheck_windows(running.app.context)

    assert before == ([], [person])
    assert running.members("lapsed-pros") == [person]
    assert running.members("recent-pros") == []
    assert _log(running, "lapsed-pros") == [(person, ENTERED, "CONDITION_MATCHED")]
    assert _log(running, "recent-pros", after=1) == [(person, EXITED, "WINDOW_SLID")]


def test_the_batch_computation_leaves_out_events_already_past_the_window(running: Running) -> None:
    old, recent = new_profile(), new_profile()
    running.feed(
        event(old, "Order Completed", at=now_micros() - 30 * DAY - SECOND),
        event(recent, "Order Completed", at=now_micros() - 30 * DAY + 60 * SECOND),
    )

    running.ready("recent-buyers", RECENT)

    assert running.members("recent-buyers") == [recent]
