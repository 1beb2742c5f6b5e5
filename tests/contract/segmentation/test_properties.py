"""Property: real-time upkeep and the batch computation agree, on random people and conditions.

Path A creates the segment on an empty read model and then feeds the updates one
ApplyProfileUpdates call at a time; path B, on a second fresh server and database, gets every update
first and then creates and computes the segment. Both must end with the same members and the same
excluded count, and replaying A's changelog (ENTERED adds, EXITED removes) must give its member list.
People are random trait sets, events (0..120 days ago) and merges over small pools; conditions
come from the suite's strategy restricted to those pools, or are aimed at the data so that people
match. Consent comes from the in-test stub, with the same random denials on both paths.

Event times sit 30 s off every whole minute (and more than 400 s in the past), and `within`
windows are whole seconds up to 400 s or whole minutes, so an example that finishes within
EDGE_SLACK of its start cannot see an event cross a window edge between the two paths.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.api.segmentation.v1 import segment_pb2
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.formatter import format_condition
from tests.contract.segmentation import builders
from tests.contract.segmentation.builders import DAY, SECOND, now_micros
from tests.contract.segmentation.harness import Running, serve
from tests.support.conditions import conditions

PROFILES = [f"p{n:024x}" for n in range(1, 5)]
TRAIT_KEYS = ["plan", "score", "email"]  # email is personal: it arrives as present only
TRAIT_VALUES = ["free", "pro", "", 0, 1, 2.5, True, False, None]
EVENT_NAMES = ["Order Completed", "Page Viewed"]
PROPERTY_KEYS = ["total", "sku"]
PROPERTY_VALUES = ["a", "b", "pro", 0, 1, 10, 2.5, True]
PURPOSES = ["email_marketing", "analytics"]
STRINGS = ["free", "pro", "a", "b", ""]
MAX_MINUTES_AGO = 120 * 1440
EDGE_SLACK = 25 * SECOND  # under the 30 s between an event and any window edge
ENTERED, EXITED = (
    segment_pb2.MEMBERSHIP_CHANGE_KIND_ENTERED,
    segment_pb2.MEMBERSHIP_CHANGE_KIND_EXITED,
)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class TraitsSet:
    profile: str
    values: dict[str, Any]


@dataclass(frozen=True)
class EventDone:
    profile: str
    name: str
    minutes_ago: int
    properties: dict[str, Any]


@dataclass(frozen=True)
class Merged:
    survivor: str
    absorbed: str


Change = TraitsSet | EventDone | Merged


def _changes() -> st.SearchStrategy[list[Change]]:
    profiles = st.sampled_from(PROFILES)
    trait_sets = st.builds(
        TraitsSet,
        profiles,
        st.dictionaries(st.sampled_from(TRAIT_KEYS), st.sampled_from(TRAIT_VALUES), min_size=1),
    )
    events = st.builds(
        EventDone,
        profiles,
        st.sampled_from(EVENT_NAMES),
        st.integers(10, 30 * 1440) | st.integers(10, MAX_MINUTES_AGO),  # often in a month
        st.dictionaries(st.sampled_from(PROPERTY_KEYS), st.sampled_from(PROPERTY_VALUES)),
    )
    merges = st.builds(Merged, profiles, profiles).filter(lambda m: m.survivor != m.absorbed)
    return st.lists(st.one_of(trait_sets, events, events, merges), min_size=4, max_size=20)


def _focused_conditions() -> st.SearchStrategy[ast.Node]:
    """Conditions aimed at this data (windows of days, the pools' values), so people match."""
    windows = st.sampled_from([ast.ALL_TIME, *(ast.Window(d * DAY) for d in (1, 7, 30, 90))])
    filters = st.none() | st.sampled_from(
        [
            ast.Compare(ast.PropertyRef("sku"), ast.Op.EQ, ("a",)),
            ast.Compare(ast.PropertyRef("total"), ast.Op.GT, (1,)),
        ]
    )
    selectors = st.builds(ast.EventSelector, st.sampled_from(EVENT_NAMES), filters, windows)
    aggregates = st.one_of(
        st.builds(ast.Aggregate, selectors, st.just(ast.Function.COUNT)),
        st.builds(ast.Aggregate, selectors, st.just(ast.Function.SUM), st.just("total")),
    )
    leaves = st.one_of(
        st.builds(ast.Compare, aggregates, st.just(ast.Op.GE), st.sampled_from([(1,), (2,), (5,)])),
        selectors.map(ast.EventExists),
        st.sampled_from(
            [
                ast.Compare(ast.TraitRef("plan"), ast.Op.EQ, ("pro",)),
                ast.Compare(ast.TraitRef("plan"), ast.Op.IN, ("free", "pro")),
                ast.Compare(ast.TraitRef("score"), ast.Op.GE, (1,)),
                ast.Compare(ast.TraitRef("email"), ast.Op.EXISTS),
                *(ast.Consent(purpose) for purpose in PURPOSES),
            ]
        ),
    )

    def extend(children: st.SearchStrategy[ast.Node]) -> st.SearchStrategy[ast.Node]:
        several = st.lists(children, min_size=2, max_size=3).map(tuple)
        return several.map(ast.And) | several.map(ast.Or) | children.map(ast.Not)

    return st.recursive(leaves, extend, max_leaves=4)


def _update(change: Change, base: int, index: int) -> feed_pb.ProfileUpdate:
    if isinstance(change, Merged):
        return builders.merged(change.survivor, change.absorbed)
    if isinstance(change, EventDone):
        at = base - change.minutes_ago * 60 * SECOND - 30 * SECOND
        return builders.event(
            change.profile, change.name, at, properties=change.properties, message_id=f"m{index}"
        )
    public = {k: v for k, v in change.values.items() if k != "email"}
    personal = ("email",) if "email" in change.values else ()
    return builders.traits(change.profile, personal=personal, **public)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path: Path) -> Callable[[], AbstractContextManager[str]]:
    """A factory of new, empty databases (one per server), on SQLite files or PostgreSQL."""
    if request.param == "sqlite":
        return lambda: _sqlite(tmp_path)
    server = request.getfixturevalue("postgres_server")
    return lambda: _postgres(server)


@contextmanager
def _sqlite(root: Path) -> Iterator[str]:
    yield f"sqlite:///{root / f'{uuid.uuid4().hex}.db'}"


@contextmanager
def _postgres(server: str) -> Iterator[str]:
    name = f"cdp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _server(
    fresh_database, dev_dir: Path, mint, denied: frozenset[tuple[str, str]]
) -> Iterator[Running]:
    with fresh_database() as url, serve(dev_dir, url, mint) as running:
        for profile, purpose in denied:
            running.consent.deny(profile, purpose)
        yield running


def _outcome(running: Running) -> tuple[list[str], int]:
    segment = running.get("audience")
    members = running.members("audience")
    assert segment.compute_state == segment_pb2.COMPUTE_STATE_READY
    assert segment.member_count == len(members)
    return members, segment.excluded_count


def _replayed(running: Running) -> list[str]:
    """The member set rebuilt from the changelog; every change must be possible where it stands."""
    members: set[str] = set()
    changes = running.changes("audience")
    assert [c.version for c in changes] == list(range(1, len(changes) + 1))
    for change in changes:
        profile = change.profile.removeprefix("profiles/")
        if change.kind == ENTERED:
            assert profile not in members, change
            members.add(profile)
        else:
            assert change.kind == EXITED and profile in members, change
            members.remove(profile)
    return sorted(members)


@SETTINGS
@given(
    changes=_changes(),
    condition=_focused_conditions()
    | _focused_conditions()
    | conditions(
        trait_keys=TRAIT_KEYS,
        event_names=EVENT_NAMES,
        property_keys=PROPERTY_KEYS,
        purposes=PURPOSES,
        string_values=STRINGS,
        max_leaves=6,
    ),
    purpose=st.sampled_from(PURPOSES),
    denied=st.frozensets(st.tuples(st.sampled_from(PROFILES), st.sampled_from(PURPOSES))),
)
def test_real_time_upkeep_ends_where_the_batch_computation_starts(
    fresh_database,
    dev_dir: Path,
    mint,
    changes: list[Change],
    condition: ast.Node,
    purpose: str,
    denied: frozenset[tuple[str, str]],
) -> None:
    text_form = format_condition(condition)
    with (
        _server(fresh_database, dev_dir, mint, denied) as real_time,
        _server(fresh_database, dev_dir, mint, denied) as batch,
    ):
        base = now_micros()
        updates = [_update(change, base, index) for index, change in enumerate(changes)]
        real_time.ready("audience", text_form, purpose)
        for update in updates:
            real_time.feed(update)
        batch.feed(*updates)
        batch.ready("audience", text_form, purpose)
        live, computed = _outcome(real_time), _outcome(batch)
        assume(now_micros() - base < EDGE_SLACK)  # otherwise a window edge may lie between them

        assert live == computed, text_form  # (members, excluded count)
        assert _replayed(real_time) == live[0]
