"""Random read models and random conditions: the compiled SQL agrees with the Python reference."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdp.segmentation.adapters.compiler import Scope
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.typed import Kind, instant_micros
from tests.integration.segmentation.worlds import DAY, NOW
from tests.support.conditions import aggregates, conditions
from tests.support.reference_eval import PERSONAL, Event, World, aggregate_value, evaluate

PROFILES = [f"p{n}" for n in range(6)]
TRAIT_KEYS = ["plan", "score", "since"]
EVENT_NAMES = ["buy", "view"]
PROPERTY_KEYS = ["total", "sku"]
STRINGS = ["a", "B", "ab", "a%", "2", "", "2026-01-01", "2026-01-01T06:00:00+07:00"]
SCALARS = [*STRINGS, 0, 1, 1.0, 2, 2.5, -3, 10, True, False]
VALUES = st.sampled_from([*SCALARS, None, [1], {"x": 1}])
# Times on both sides of the common window edges (30 days, a day, now).
OFFSETS = [-40 * DAY, -30 * DAY - 1, -30 * DAY, -DAY, -1, 0, 1, 5 * DAY]
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _events() -> st.SearchStrategy[list[Event]]:
    event = st.builds(
        Event,
        st.sampled_from(PROFILES),
        st.sampled_from(EVENT_NAMES),
        st.sampled_from(OFFSETS).map(lambda offset: NOW + offset),
        st.dictionaries(st.sampled_from(PROPERTY_KEYS), VALUES, max_size=2),
    )
    return st.lists(event, min_size=4, max_size=16)


def worlds() -> st.SearchStrategy[World]:
    traits = st.dictionaries(st.sampled_from(TRAIT_KEYS), VALUES | st.just(PERSONAL), max_size=3)
    return st.builds(
        World,
        st.just(PROFILES),
        st.fixed_dictionaries({profile: traits for profile in PROFILES}),
        _events(),
        st.dictionaries(st.tuples(st.sampled_from(PROFILES), st.just("email")), st.booleans()),
        st.dictionaries(st.sampled_from(PROFILES), st.sampled_from(["restricted", "erased"])),
        st.dictionaries(st.tuples(st.just("vip"), st.sampled_from(PROFILES)), st.booleans()),
    )


_AT = [instant_micros("2026-01-01"), instant_micros("2026-01-01T06:00:00+07:00"), NOW - 30 * DAY]
# Literals drawn from the data's own values, so comparisons often hold for some people only.
_LITERALS = st.sampled_from([*SCALARS, *(ast.Timestamp(m) for m in _AT if m is not None)])
_WINDOWS = st.sampled_from(
    [
        ast.ALL_TIME,
        ast.Window(30 * DAY),
        ast.Window(DAY),
        ast.Window(None, after=ast.Timestamp(NOW - 30 * DAY)),
        ast.Window(None, before=ast.Timestamp(NOW)),
        ast.Window(7 * DAY, ast.Timestamp(NOW - DAY), ast.Timestamp(NOW + 1)),
    ]
)


def _compare(operands: st.SearchStrategy[ast.Operand]) -> st.SearchStrategy[ast.Compare]:
    def build(operand: ast.Operand, op: ast.Op, values: list[ast.Literal]) -> ast.Compare:
        count = {ast.Op.EXISTS: 0, ast.Op.IS_NULL: 0, ast.Op.IN: len(values)}.get(op, 1)
        return ast.Compare(operand, op, tuple(values[:count]))

    values = st.lists(_LITERALS, min_size=1, max_size=3)
    return st.builds(build, operands, st.sampled_from(list(ast.Op)), values)


def _tree(leaves: st.SearchStrategy[ast.Node], max_leaves: int) -> st.SearchStrategy[ast.Node]:
    def extend(children: st.SearchStrategy[ast.Node]) -> st.SearchStrategy[ast.Node]:
        several = st.lists(children, min_size=2, max_size=3).map(tuple)
        return several.map(ast.And) | several.map(ast.Or) | children.map(ast.Not)

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def _selectors() -> st.SearchStrategy[ast.EventSelector]:
    keys = st.sampled_from(PROPERTY_KEYS).map(ast.PropertyRef)
    filters = st.none() | _tree(_compare(keys), max_leaves=2)
    return st.builds(ast.EventSelector, st.sampled_from(EVENT_NAMES), filters, _WINDOWS)


def _focused_aggregates() -> st.SearchStrategy[ast.Aggregate]:
    def build(selector: ast.EventSelector, function: ast.Function, key: str) -> ast.Aggregate:
        return ast.Aggregate(selector, function, None if function is ast.Function.COUNT else key)

    functions = st.sampled_from(list(ast.Function))
    return st.builds(build, _selectors(), functions, st.sampled_from(PROPERTY_KEYS))


def _focused_conditions() -> st.SearchStrategy[ast.Node]:
    leaves = st.one_of(
        _compare(st.sampled_from(TRAIT_KEYS).map(ast.TraitRef)),
        _compare(_focused_aggregates() | st.just(ast.ComputedRef("spent"))),
        _selectors().map(ast.EventExists),
        st.just(ast.Consent("email")),
        st.just(ast.InSegment("vip")),
    )
    return _tree(leaves, max_leaves=4)


# The suite's strategy (trees that pass the checks) and one aimed at this data.
_AGGREGATES = _focused_aggregates() | aggregates(
    event_names=EVENT_NAMES, property_keys=PROPERTY_KEYS, string_values=STRINGS
)
_CONDITIONS = _focused_conditions() | conditions(
    trait_keys=TRAIT_KEYS,
    event_names=EVENT_NAMES,
    property_keys=PROPERTY_KEYS,
    purposes=["email"],
    segment_ids=["vip"],
    computed_keys=["spent"],
    string_values=STRINGS,
    max_leaves=6,
)


@SETTINGS
@given(
    world=worlds(),
    condition=_CONDITIONS,
    spent=_AGGREGATES,
    half=st.sets(st.sampled_from(PROFILES)),
)
def test_sql_matches_the_reference_on_random_conditions(
    read_model, world: World, condition: ast.Node, spent: ast.Aggregate, half: set[str]
) -> None:
    computed = {"spent": spent}
    read_model.load(world)

    everybody = read_model.members(condition, Scope(now=NOW, computed=computed))
    some = read_model.members(
        condition, Scope(now=NOW, profile_ids=sorted(half), computed=computed)
    )

    expected = evaluate(condition, world, NOW, computed)
    assert everybody == expected
    assert some == expected & half


@SETTINGS
@given(world=worlds(), aggregate=_AGGREGATES, kind=st.sampled_from(list(Kind)))
def test_aggregate_values_match_the_reference(
    read_model, world: World, aggregate: ast.Aggregate, kind: Kind
) -> None:
    read_model.load(world)

    found = read_model.values(aggregate, Scope(now=NOW), kind)

    zero = aggregate.function in ast.ZERO_WHEN_EMPTY
    for profile in PROFILES:
        expected = aggregate_value(aggregate, world, NOW, profile, kind)
        value = found.get(profile, 0 if zero and kind is Kind.NUMBER else None)
        assert _same(value, expected), (profile, value, expected)


def _same(value: Any, expected: Any) -> bool:
    """Equal as JSON values: 1 == 1.0, but true is not 1."""
    return isinstance(value, bool) == isinstance(expected, bool) and value == expected
