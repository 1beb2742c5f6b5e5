"""WatchSegmentMembership over the real server: order, resumption, errors, deletion, the watch limit."""

from __future__ import annotations

from pathlib import Path

import grpc
from sqlalchemy import select

from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.segmentation.adapters import orm
from tests.contract.segmentation.builders import new_profile, traits
from tests.contract.segmentation.harness import Running, failure, reason, serve
from tests.support.client import wait_for

ENTERED, EXITED = (
    segment_pb2.MEMBERSHIP_CHANGE_KIND_ENTERED,
    segment_pb2.MEMBERSHIP_CHANGE_KIND_EXITED,
)
VN = 'traits.country == "VN"'


def _take(call, count: int) -> list[segment_pb2.MembershipChange]:
    """The next `count` changes of an open watch (its deadline bounds the wait)."""
    return [next(call).change for _ in range(count)]


def _first_change(running: Running) -> list[segment_pb2.MembershipChange]:
    call = running.watch("vn", timeout=5)
    try:
        return _take(call, 1)
    finally:
        call.cancel()


def _churn(running: Running, people: list[str]) -> None:
    """Each person enters, then every second one leaves again: a log with both kinds."""
    running.feed(*(traits(p, country="VN") for p in people))
    running.feed(*(traits(p, country="TH") for p in people[::2]))


def _changelog(running: Running, segment_id: str) -> list[tuple[int, str, int, str]]:
    c = orm.changes
    with running.app.context.engine.connect() as conn:
        rows = conn.execute(
            select(c.c.version, c.c.profile_id, c.c.kind, c.c.reason)
            .where(c.c.segment_id == segment_id)
            .order_by(c.c.version)
        )
        return [tuple(row) for row in rows]


def _as_rows(changes: list[segment_pb2.MembershipChange]) -> list[tuple[int, str, int, str]]:
    return [(c.version, c.profile.removeprefix("profiles/"), c.kind, c.reason) for c in changes]


def test_a_watch_sees_entries_and_exits_as_they_happen_in_version_order(running: Running) -> None:
    running.ready("vn", VN)
    first, second = sorted([new_profile(), new_profile()])
    call = running.watch("vn")

    running.feed(traits(first, country="VN"), traits(second, country="VN"))
    running.feed(traits(first, country="TH"))
    seen = _take(call, 3)
    call.cancel()

    assert [(c.version, c.profile, c.kind, c.reason) for c in seen] == [
        (1, f"profiles/{first}", ENTERED, "CONDITION_MATCHED"),
        (2, f"profiles/{second}", ENTERED, "CONDITION_MATCHED"),
        (3, f"profiles/{first}", EXITED, "CONDITION_UNMATCHED"),
    ]
    assert all(c.segment == "segments/vn" and c.change_time.seconds > 0 for c in seen)
    assert running.get("vn").membership_version == 3


def test_resuming_after_any_version_gives_the_rest_of_the_changelog(running: Running) -> None:
    running.ready("vn", VN)
    _churn(running, [new_profile() for _ in range(6)])
    changelog = _changelog(running, "vn")
    newest = running.get("vn").membership_version

    resumed = {after: _as_rows(running.changes("vn", after)) for after in range(newest + 1)}

    assert [version for version, *_ in changelog] == list(range(1, newest + 1)) and newest == 9
    for after, rows in resumed.items():
        assert rows == changelog[after:], after


def test_a_watch_from_the_newest_version_sees_only_what_follows(running: Running) -> None:
    running.ready("vn", VN)
    _churn(running, [new_profile() for _ in range(2)])
    newest = running.get("vn").membership_version
    call = running.watch("vn", after=newest)
    late = new_profile()

    running.feed(traits(late, country="VN"))
    (change,) = _take(call, 1)
    call.cancel()

    assert (change.version, change.profile, change.kind) == (
        newest + 1,
        f"profiles/{late}",
        ENTERED,
    )


def test_a_version_ahead_of_the_newest_is_invalid_argument(running: Running) -> None:
    running.ready("vn", VN)
    running.feed(traits(new_profile(), country="VN"))

    ahead = failure(lambda: next(running.watch("vn", after=2)))
    negative = failure(lambda: next(running.watch("vn", after=-1)))

    for err, why in ((ahead, "VERSION_AHEAD"), (negative, "INVALID_VERSION")):
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert reason(err) == why


def test_watching_an_unknown_segment_is_not_found(running: Running) -> None:
    err = failure(lambda: next(running.watch("nobody-made-this")))

    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert reason(err) == "SEGMENT_NOT_FOUND"


def test_the_stream_ends_with_not_found_when_the_segment_is_deleted(running: Running) -> None:
    running.ready("vn", VN)
    running.feed(traits(new_profile(), country="VN"))
    call = running.watch("vn")
    first = _take(call, 1)

    running.call("DeleteSegment", pb.DeleteSegmentRequest(name="segments/vn"))
    err = failure(lambda: next(call))

    assert first[0].version == 1
    assert err.code() == grpc.StatusCode.NOT_FOUND


def test_watches_past_the_limit_are_resource_exhausted_until_one_closes(
    dev_dir: Path, database_url: str, mint
) -> None:
    with serve(dev_dir, database_url, mint, env={"CDP_SEGMENTATION_MAX_WATCHES": "2"}) as running:
        running.ready("vn", VN)
        running.feed(traits(new_profile(), country="VN"))
        open_calls = [running.watch("vn") for _ in range(2)]
        for call in open_calls:
            _take(call, 1)  # the server has admitted this watch

        refused = failure(lambda: next(running.watch("vn")))
        open_calls[0].cancel()
        admitted = wait_for(lambda: _first_change(running), timeout=15)
        open_calls[1].cancel()

    assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert reason(refused) == "TOO_MANY_WATCHES"
    assert admitted[0].version == 1


def test_profile_readers_may_not_watch_membership(running: Running) -> None:
    running.ready("vn", VN)
    request = pb.WatchSegmentMembershipRequest(segment="segments/vn")

    call = running.stub.WatchSegmentMembership(
        request, metadata=running.md("profile_reader"), timeout=10
    )
    err = failure(lambda: next(call))

    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
