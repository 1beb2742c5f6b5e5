"""A service killed (SIGKILL) in the middle of a 20,000-event stream loses nothing and duplicates nothing."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.conftest import start_suite
from tests.support.client import SuiteClient, event, wait_for

TOTAL, BATCH, PEOPLE = 20_000, 500, 200


def _stream(
    client: SuiteClient, users: list[str], accepted: Counter, kill_at: int, killed: threading.Event
) -> None:
    for number in range(TOTAL // BATCH):
        if number == kill_at:
            killed.set()
        batch = [
            event(
                "track",
                user_id=users[(number * BATCH + i) % PEOPLE],
                name="Product Viewed",
                properties={"n": number * BATCH + i},
            )
            for i in range(BATCH)
        ]
        response = client.ingest(batch)
        for sent, result in zip(batch, response.results, strict=True):
            if result.status == 1:
                accepted[sent.user_id] += 1


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["profile", "identity"])
def test_every_accepted_event_reaches_its_profile_exactly_once_after_a_crash(
    tmp_path: Path, victim: str
) -> None:
    suite = start_suite(tmp_path / "cdp")
    try:
        with SuiteClient(suite) as client:
            users = [f"fault-{uuid.uuid4().hex[:8]}" for _ in range(PEOPLE)]
            accepted: Counter = Counter()
            killed = threading.Event()
            sender = threading.Thread(target=_stream, args=(client, users, accepted, 8, killed))
            sender.start()
            assert killed.wait(timeout=120)
            suite.kill(victim)  # SIGKILL mid-stream: no chance to flush or finish a transaction
            sender.join(timeout=300)
            assert not sender.is_alive()
            suite.restart(victim)
            client.reset(victim)

            assert sum(accepted.values()) == TOTAL
            for user in users:
                profile = wait_for(
                    lambda u=user: (
                        (p := client.profile(user_id=u)) and p.event_count >= accepted[u] and p
                    ),
                    timeout=120,
                )
                assert profile.event_count == accepted[user]
                assert len({e.message_id for e in client.timeline(profile.name)}) == accepted[user]
    finally:
        suite.stop_all()
