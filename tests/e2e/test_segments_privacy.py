"""Privacy in segmentation over the whole running suite: withdrawal (T5, R4), objection, restriction
(R14) and erasure (R10) take people out of segments, on the watch stream and in the member lists."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from cdp.api.consent.v1 import privacy_service_pb2 as dsr
from cdp.api.segmentation.v1 import segment_pb2
from cdp.pii import BlindIndexer, normalize
from tests.e2e.test_segments_helpers import (
    ENTERED,
    EXITED,
    Person,
    Segments,
    Watch,
    grant,
    percentile,
    seed,
    withdraw,
)
from tests.support.client import SuiteClient, wait_for
from tests.support.privacy_client import run
from tests.support.scan import find_plaintext

PEOPLE = 30
MARKETING = "email_marketing"


@pytest.fixture(scope="module")
def segments(client: SuiteClient) -> Segments:
    return Segments(client)


def _audiences(segments: Segments, cohort: str) -> dict[str, segment_pb2.Segment]:
    """Two marketing segments and an analytics one over a cohort only this test seeds."""
    return {
        "gold": segments.create(
            f'traits.cohort == "{cohort}" and traits.plan == "gold"', MARKETING
        ),
        "buyers": segments.create(
            f'traits.cohort == "{cohort}" and event("Order Completed").exists()', MARKETING
        ),
        "analytics": segments.create(f'traits.cohort == "{cohort}"', "analytics"),
    }


def _cohort(client: SuiteClient, count: int, purposes: tuple[str, ...]) -> list[Person]:
    cohort = Person.new("cohort").tag
    people = [Person.new("member", cohort=cohort, plan="gold") for _ in range(count)]
    seed(client, people, "Order Completed")
    for person in people:
        for purpose in purposes:
            grant(client, person, purpose)
    return people


def _all_entered(watch: Watch, people: list[Person]) -> None:
    for person in people:
        watch.wait(lambda c, p=person.profile: c.profile == p and c.kind == ENTERED, timeout=60)


def test_withdrawal_removes_the_person_from_every_segment_with_that_purpose(
    client: SuiteClient, segments: Segments
) -> None:
    cohort = Person.new("t5").tag
    audiences = _audiences(segments, cohort)
    people = [Person.new("t5", cohort=cohort, plan="gold") for _ in range(PEOPLE)]
    with (
        Watch(client, audiences["gold"]) as gold,
        Watch(client, audiences["buyers"]) as buyers,
        Watch(client, audiences["analytics"]) as analytics,
    ):
        seed(client, people, "Order Completed")
        for person in people:
            grant(client, person, MARKETING)
            grant(client, person, "analytics")
        for watch in (gold, buyers, analytics):
            _all_entered(watch, people)  # the streams are open and live before anyone withdraws
        everyone = {p.profile for p in people}
        assert segments.members(audiences["gold"].name) == everyone

        latencies = []
        for person in people:
            withdraw(client, person, MARKETING)
            returned = time.monotonic()
            exits = [
                w.wait_change(person.profile, EXITED, "CONSENT_WITHDRAWN") for w in (gold, buyers)
            ]
            latencies.append(max(e.at for e in exits) - returned)

        print(
            f"\nT5 withdrawal -> EXITED/CONSENT_WITHDRAWN on every {MARKETING} segment, "
            f"{PEOPLE} people: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms (target p99 <= 1 s)"
        )
        for name in ("gold", "buyers"):
            assert segments.members(audiences[name].name) & everyone == set()
        # Another purpose is untouched: nobody left the analytics segment.
        assert segments.members(audiences["analytics"].name) == everyone
        assert [a for a in analytics.arrivals() if a.change.kind == EXITED] == []


def test_an_objection_removes_the_person_from_marketing_segments_only(
    client: SuiteClient, segments: Segments
) -> None:
    objector, other = _cohort(client, 2, (MARKETING, "analytics"))
    audiences = _audiences(segments, objector.traits["cohort"])
    for segment in audiences.values():
        wait_for(lambda s=segment: segments.members(s.name) == {objector.profile, other.profile})

    with Watch(client, audiences["gold"]) as gold, Watch(client, audiences["buyers"]) as buyers:
        done = run(client, dsr.REQUEST_TYPE_OBJECTION, [("email", objector.email)])
        assert done.state == dsr.REQUEST_STATE_COMPLETED
        for watch in (gold, buyers):
            watch.wait_change(objector.profile, EXITED, "CONSENT_WITHDRAWN")
            assert watch.changes_for(other.profile) == []

    for name in ("gold", "buyers"):
        assert segments.members(audiences[name].name) == {other.profile}
    analytics = audiences["analytics"].name
    assert segments.members(analytics) == {objector.profile, other.profile}


def test_restriction_takes_the_person_out_and_lifting_it_readmits_them(
    client: SuiteClient, segments: Segments
) -> None:
    person, other = _cohort(client, 2, (MARKETING,))
    gold = _audiences(segments, person.traits["cohort"])["gold"]
    wait_for(lambda: segments.members(gold.name) == {person.profile, other.profile})
    assert segments.get(gold.name).excluded_count == 0

    with Watch(client, gold) as watch:
        _completed(run(client, dsr.REQUEST_TYPE_RESTRICTION, [("email", person.email)]))
        watch.wait(lambda c: (c.profile, c.kind) == (person.profile, EXITED))
        assert segments.members(gold.name) == {other.profile}
        counted = segments.get(gold.name)
        assert (counted.member_count, counted.excluded_count) == (1, 1)

        _completed(run(client, dsr.REQUEST_TYPE_RESTRICTION_LIFT, [("email", person.email)]))
        watch.wait_change(person.profile, ENTERED, "UNRESTRICTED")
        assert segments.members(gold.name) == {person.profile, other.profile}
        counted = segments.get(gold.name)
        assert (counted.member_count, counted.excluded_count) == (2, 0)
        assert [kind for kind, _reason in watch.changes_for(person.profile)] == [EXITED, ENTERED]


def test_a_restricted_person_exits_with_the_reason_restricted(
    client: SuiteClient, segments: Segments
) -> None:
    (person,) = _cohort(client, 1, (MARKETING,))
    gold = _audiences(segments, person.traits["cohort"])["gold"]
    wait_for(lambda: segments.members(gold.name) == {person.profile})

    with Watch(client, gold) as watch:
        _completed(run(client, dsr.REQUEST_TYPE_RESTRICTION, [("email", person.email)]))
        exited = watch.wait(lambda c: (c.profile, c.kind) == (person.profile, EXITED))

    assert exited.change.reason == "RESTRICTED"


def test_erasure_exits_as_erased_and_leaves_nothing_naming_the_person(
    client: SuiteClient, segments: Segments
) -> None:
    person, other = _cohort(client, 2, (MARKETING,))
    audiences = _audiences(segments, person.traits["cohort"])
    for name in ("gold", "buyers"):
        wait_for(lambda s=audiences[name]: person.profile in segments.members(s.name))

    with Watch(client, audiences["gold"]) as gold, Watch(client, audiences["buyers"]) as buyers:
        request = run(client, dsr.REQUEST_TYPE_ERASURE, [("email", person.email)])
        _completed(request)
        for watch in (gold, buyers):
            watch.wait_change(person.profile, EXITED, "ERASED")
            assert watch.changes_for(person.profile) == [(EXITED, "ERASED")]
    assert "segmentation" in {t.service for t in request.tasks}
    for name in ("gold", "buyers"):
        assert segments.members(audiences[name].name) == {other.profile}

    data_dir = client.suite.data_dir
    assert find_plaintext(data_dir, [person.email, person.user_id]) == []
    database = sorted(data_dir.glob("segmentation.db*"))
    assert database, "the segmentation database is not in the data dir"
    assert _references(database, _subject_bytes(client, person)) == []
    assert _rows_naming(data_dir / "segmentation.db", person.profile) == []


def _completed(request: dsr.DataSubjectRequest) -> None:
    assert request.state == dsr.REQUEST_STATE_COMPLETED, [
        (t.service, dsr.RequestState.Name(t.state), t.last_error) for t in request.tasks
    ]


def _subject_bytes(client: SuiteClient, person: Person) -> list[bytes]:
    """The person's blind indexes and subject ids, as they would sit in a database (raw and hex)."""
    indexer = BlindIndexer((client.suite.data_dir / "keys" / "index.key").read_bytes())
    indexes = [
        indexer.index(kind, normalize(kind, value))
        for kind, value in (("email", person.email), ("user_id", person.user_id))
    ]
    subject_ids = [indexer.subject_id(index).encode() for index in indexes]
    return indexes + [i.hex().encode() for i in indexes] + subject_ids


def _references(files: list[Path], needles: list[bytes]) -> list[str]:
    hits = []
    for path in files:
        data = path.read_bytes()
        hits += [f"{path.name}: {len(n)}-byte reference" for n in needles if n in data]
    return hits


def _rows_naming(database: Path, profile: str) -> list[str]:
    """Rows of any table that name the profile, except the EXITED/ERASED changes that must stay
    (downstream copies of the audience learn to drop the person; the id links to nobody)."""
    profile_id = profile.removeprefix("profiles/")
    found = []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            cursor = conn.execute(f'select * from "{table}"')  # table names from sqlite_master
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                record = dict(zip(columns, row, strict=True))
                if profile_id in repr(row) and not _kept_exit(table, record):
                    found.append(f"{table}: {record}")
    return found


def _kept_exit(table: str, record: dict) -> bool:
    return table == "seg_changes" and record.get("reason") == "ERASED"
