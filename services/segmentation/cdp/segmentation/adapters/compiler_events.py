"""Events in SQL: the selected events of an event(...) selector, their filters and aggregates."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    false,
    func,
    not_,
    or_,
    select,
    true,
)

from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.compiler_sql import (
    Binary,
    PropertyType,
    ScalarJson,
    Scope,
    property_value,
)
from cdp.segmentation.adapters.compiler_typed import typed_condition
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.errors import ConditionError
from cdp.segmentation.domain.typed import PROPERTY_KINDS, Kind, literal_kind

events = orm.events
_ID = orm.profiles.c.id


def property_columns(key: str) -> dict[Kind, ColumnElement[Any]]:
    """The property `key` of seg_events as each JSON kind (NULL where it has another)."""
    return {kind: property_value(events.c.properties, key, kind) for kind in PROPERTY_KINDS}


def selected(selector: ast.EventSelector, scope: Scope) -> list[ColumnElement[bool]]:
    """The conditions on seg_events that pick the selector's events."""
    conditions = [events.c.name == selector.event, *scope.restrict(events.c.profile_id)]
    conditions.extend(_window(selector.window, scope.now))
    if selector.filter is not None:
        conditions.append(event_filter(selector.filter))
    return conditions


def _window(window: ast.Window, now: int) -> list[ColumnElement[bool]]:
    time = events.c.time
    bounds = []
    if window.within_micros is not None:
        # Future-dated events are not "in the last 30 days".
        bounds += [time >= now - window.within_micros, time <= now]
    if window.after is not None:
        bounds.append(time >= window.after.micros)
    if window.before is not None:
        bounds.append(time < window.before.micros)
    return bounds


def event_filter(node: ast.Node) -> ColumnElement[bool]:
    """A filter over one event row's properties; two-valued, so NOT means "does not hold"."""
    if isinstance(node, ast.And):
        return and_(*(event_filter(item) for item in node.items))
    if isinstance(node, ast.Or):
        return or_(*(event_filter(item) for item in node.items))
    if isinstance(node, ast.Not):
        return not_(event_filter(node.item))
    if isinstance(node, ast.Compare) and isinstance(node.operand, ast.PropertyRef):
        return _property_test(node.operand.key, node.op, node.values)
    raise ConditionError("an event filter may only test properties.<key>", node.position)


def _property_test(key: str, op: ast.Op, values: Sequence[ast.Literal]) -> ColumnElement[bool]:
    if op in (ast.Op.EXISTS, ast.Op.IS_NULL):
        kind = PropertyType(events.c.properties, key)
        present = and_(kind.is_not(None), kind != "null")
        return present if op is ast.Op.EXISTS else not_(present)
    test = typed_condition(property_columns(key), op, values)
    return false() if test is None else test


def exists(selector: ast.EventSelector, scope: Scope) -> ColumnElement[bool]:
    return _ID.in_(select(events.c.profile_id).where(*selected(selector, scope)))


def aggregate_matches(
    aggregate: ast.Aggregate, op: ast.Op, values: Sequence[ast.Literal], scope: Scope
) -> ColumnElement[bool]:
    """Profiles whose aggregate compares true; count/sum/unique_count are 0 over no events."""
    summary, columns = _summary(aggregate, scope)
    zero = aggregate.function in ast.ZERO_WHEN_EMPTY
    if op in (ast.Op.EXISTS, ast.Op.IS_NULL):
        present = true() if zero else _ID.in_(select(summary.c.profile_id))
        return present if op is ast.Op.EXISTS else not_(present)
    test = typed_condition(columns, op, values)
    if test is None:
        return false()
    if zero and _holds_for_zero(op, values):
        # Profiles without rows have 0, so they match: keep everyone but the rows that fail.
        return _ID.not_in(select(summary.c.profile_id).where(not_(test)))
    return _ID.in_(select(summary.c.profile_id).where(test))


_PY_OPS: dict[ast.Op, Callable[[float, float], bool]] = {
    ast.Op.EQ: operator.eq,
    ast.Op.NE: operator.ne,
    ast.Op.LT: operator.lt,
    ast.Op.LE: operator.le,
    ast.Op.GT: operator.gt,
    ast.Op.GE: operator.ge,
}


def _holds_for_zero(op: ast.Op, values: Sequence[ast.Literal]) -> bool:
    numbers = [float(v) for v in values if literal_kind(v) is Kind.NUMBER]  # type: ignore[arg-type]
    if op is ast.Op.IN:
        return 0.0 in numbers
    return op in _PY_OPS and len(numbers) == len(values) == 1 and _PY_OPS[op](0.0, numbers[0])


def aggregate_values(
    aggregate: ast.Aggregate, scope: Scope, kind: Kind = Kind.NUMBER
) -> Select[Any]:
    """(profile_id, value) of each profile whose aggregate has a value.

    Profiles without a value have no row: the caller treats that as 0 for count, sum and
    unique_count (their value over no events) and as missing for the rest. min/max range over values of `kind` (numbers unless
    asked); first, last and most_frequent give the JSON value (str, float, bool).
    """
    summary, columns = _summary(aggregate, scope)
    profile_id = summary.c.profile_id.label("profile_id")
    if aggregate.function in _WINNERS:
        value = ScalarJson(*(columns[k] for k in PROPERTY_KINDS))
        return select(profile_id, value.label("value"))
    column = columns.get(kind)
    if column is None:  # e.g. min over timestamps: properties hold none
        return select(profile_id, summary.c.profile_id.label("value")).where(false())
    return select(profile_id, column.label("value")).where(column.is_not(None))


# Each returns (one row per profile with a value, its value column per kind).
_Summary = tuple[Subquery, dict[Kind, ColumnElement[Any]]]


def _summary(aggregate: ast.Aggregate, scope: Scope) -> _Summary:
    function = aggregate.function
    if function is ast.Function.COUNT and aggregate.property is None:
        return _count_events(aggregate.selector, scope)
    if aggregate.property is None:
        raise ConditionError(f"{function.value} needs a property", aggregate.position)
    values = _values(aggregate.selector, aggregate.property, scope)
    return _BUILDERS[function](values)


def _count_events(selector: ast.EventSelector, scope: Scope) -> _Summary:
    rows = (
        select(events.c.profile_id, func.count().label("value"))
        .where(*selected(selector, scope))
        .group_by(events.c.profile_id)
        .subquery()
    )
    return rows, {Kind.NUMBER: rows.c.value}


def _values(selector: ast.EventSelector, key: str, scope: Scope) -> Subquery:
    """One row per selected event whose property is a string, number or boolean (s, n, b)."""
    typed = property_columns(key)
    return (
        select(
            events.c.id,
            events.c.profile_id,
            events.c.time,
            typed[Kind.STRING].label("s"),
            typed[Kind.NUMBER].label("n"),
            typed[Kind.BOOLEAN].label("b"),
        )
        .where(*selected(selector, scope), or_(*(column.is_not(None) for column in typed.values())))
        .subquery()
    )


def _grouped(values: Subquery, *columns: ColumnElement[Any]) -> Subquery:
    return select(values.c.profile_id, *columns).group_by(values.c.profile_id).subquery()


def _count(values: Subquery) -> _Summary:
    rows = _grouped(values, func.count().label("value"))
    return rows, {Kind.NUMBER: rows.c.value}


def _sum(values: Subquery) -> _Summary:
    # A person whose values are all non-numbers has a sum of 0, like one without events.
    rows = _grouped(values, cast(func.coalesce(func.sum(values.c.n), 0), Float).label("value"))
    return rows, {Kind.NUMBER: rows.c.value}


def _avg(values: Subquery) -> _Summary:
    numbers = select(values).where(values.c.n.is_not(None)).subquery()
    rows = _grouped(numbers, cast(func.avg(numbers.c.n), Float).label("value"))
    return rows, {Kind.NUMBER: rows.c.value}


def _unique_count(values: Subquery) -> _Summary:
    distinct = select(values.c.profile_id, values.c.s, values.c.n, values.c.b).distinct().subquery()
    rows = _grouped(distinct, func.count().label("value"))
    return rows, {Kind.NUMBER: rows.c.value}


def _extreme(pick: Callable[[Any], ColumnElement[Any]]) -> Callable[[Subquery], _Summary]:
    def build(values: Subquery) -> _Summary:
        # Booleans as 0/1: PostgreSQL has no min/max over boolean.
        flag = cast(pick(cast(values.c.b, Integer)), Boolean)
        rows = _grouped(
            values,
            pick(Binary(values.c.s)).label("s"),
            pick(values.c.n).label("n"),
            flag.label("b"),
        )
        return rows, _kinds(rows)

    return build


def _first_or_last(descending: bool) -> Callable[[Subquery], _Summary]:
    def build(values: Subquery) -> _Summary:
        keys = (values.c.time, values.c.id)
        order = [key.desc() for key in keys] if descending else [key.asc() for key in keys]
        return _winner(values, order)

    return build


def _most_frequent(values: Subquery) -> _Summary:
    tally = (
        select(values.c.profile_id, values.c.s, values.c.n, values.c.b, func.count().label("times"))
        .group_by(values.c.profile_id, values.c.s, values.c.n, values.c.b)
        .subquery()
    )
    # Ties go to the smallest value: booleans before numbers before strings, then by value.
    kind_rank = case((tally.c.b.is_not(None), 0), (tally.c.n.is_not(None), 1), else_=2)
    order = [tally.c.times.desc(), kind_rank, tally.c.b, tally.c.n, Binary(tally.c.s)]
    return _winner(tally, order)


def _winner(rows: Subquery, order: Sequence[Any]) -> _Summary:
    rank = func.row_number().over(partition_by=rows.c.profile_id, order_by=order)
    ranked = select(rows.c.profile_id, rows.c.s, rows.c.n, rows.c.b, rank.label("rank")).subquery()
    top = (
        select(ranked.c.profile_id, ranked.c.s, ranked.c.n, ranked.c.b)
        .where(ranked.c.rank == 1)
        .subquery()
    )
    return top, _kinds(top)


def _kinds(rows: Subquery) -> dict[Kind, ColumnElement[Any]]:
    return {Kind.STRING: rows.c.s, Kind.NUMBER: rows.c.n, Kind.BOOLEAN: rows.c.b}


_BUILDERS: dict[ast.Function, Callable[[Subquery], _Summary]] = {
    ast.Function.COUNT: _count,
    ast.Function.SUM: _sum,
    ast.Function.AVG: _avg,
    ast.Function.UNIQUE_COUNT: _unique_count,
    ast.Function.MIN: _extreme(func.min),
    ast.Function.MAX: _extreme(func.max),
    ast.Function.FIRST: _first_or_last(descending=False),
    ast.Function.LAST: _first_or_last(descending=True),
    ast.Function.MOST_FREQUENT: _most_frequent,
}
_WINNERS = frozenset({ast.Function.FIRST, ast.Function.LAST, ast.Function.MOST_FREQUENT})
