"""A plain-Python evaluation of conditions, person by person: the oracle the SQL compiler must match.

It reads the same rows the SQL sees (a World) and follows the semantics written in
cdp.segmentation.adapters.compiler, one profile and one event at a time, with no SQL in sight.
Only "what type is this value" comes from cdp.segmentation.domain.typed, the shared definition.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.typed import (
    PROPERTY_KINDS,
    Kind,
    literal_kind,
    property_value,
    scalar_kind,
    trait_value,
)


class _Personal:
    def __repr__(self) -> str:
        return "PERSONAL"


# A personal trait: the read model knows it is there, not its value.
PERSONAL: Any = _Personal()
MISSING: Any = None


@dataclass(frozen=True)
class Event:
    profile: str
    name: str
    time: int
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class World:
    """The read model's rows; an event's seg_events.id is its index in `events` plus 1."""

    profiles: list[str]
    traits: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    consent: dict[tuple[str, str], bool] = field(default_factory=dict)  # (profile, purpose)
    blocked: dict[str, str] = field(default_factory=dict)  # profile -> kind
    members: dict[tuple[str, str], bool] = field(default_factory=dict)  # (segment, profile)


def evaluate(
    node: ast.Node, world: World, now: int, computed: Mapping[str, ast.Aggregate] | None = None
) -> set[str]:
    """The profiles of `world` that satisfy `node`."""
    judge = _Judge(world, now, computed or {})
    return {profile for profile in world.profiles if judge.holds(node, profile)}


def aggregate_value(
    aggregate: ast.Aggregate, world: World, now: int, profile: str, kind: Kind = Kind.NUMBER
) -> Any:
    """The aggregate's value for one profile: a number, a JSON scalar, or None when missing."""
    typed = _Judge(world, now, {}).aggregate(aggregate, profile)
    if aggregate.function in (ast.Function.FIRST, ast.Function.LAST, ast.Function.MOST_FREQUENT):
        return next((v for k in PROPERTY_KINDS if (v := typed(k)) is not None), None)
    return typed(kind)


_OPS: dict[ast.Op, Callable[[Any, Any], bool]] = {
    ast.Op.EQ: operator.eq,
    ast.Op.NE: operator.ne,
    ast.Op.LT: operator.lt,
    ast.Op.LE: operator.le,
    ast.Op.GT: operator.gt,
    ast.Op.GE: operator.ge,
    ast.Op.CONTAINS: lambda text, part: part in text,
    ast.Op.STARTS_WITH: lambda text, start: text.startswith(start),
}


def compare(typed: Callable[[Kind], Any], op: ast.Op, values: Sequence[ast.Literal]) -> bool:
    """`typed(kind)` is the value as that kind or None; the literal's kind picks which."""
    if op is ast.Op.IN:
        return any(compare(typed, ast.Op.EQ, (value,)) for value in values)
    literal = values[0]
    kind = literal_kind(literal)
    if op in (ast.Op.CONTAINS, ast.Op.STARTS_WITH) and kind is not Kind.STRING:
        return False
    mine = typed(kind)
    if mine is None:
        return False
    theirs = literal.micros if isinstance(literal, ast.Timestamp) else literal
    return _OPS[op](mine, theirs)


class _Judge:
    def __init__(self, world: World, now: int, computed: Mapping[str, ast.Aggregate]) -> None:
        self.world, self.now, self.computed = world, now, computed

    def holds(self, node: ast.Node, profile: str) -> bool:
        if isinstance(node, ast.And):
            return all(self.holds(item, profile) for item in node.items)
        if isinstance(node, ast.Or):
            return any(self.holds(item, profile) for item in node.items)
        if isinstance(node, ast.Not):
            return not self.holds(node.item, profile)
        if isinstance(node, ast.EventExists):
            return bool(self.selected(node.selector, profile))
        if isinstance(node, ast.Consent):
            granted = self.world.consent.get((profile, node.purpose), False)
            return granted and profile not in self.world.blocked
        if isinstance(node, ast.InSegment):
            return self.world.members.get((node.segment, profile)) is False
        assert isinstance(node, ast.Compare)
        return self._compare(node, profile)

    def _compare(self, node: ast.Compare, profile: str) -> bool:
        operand = node.operand
        if isinstance(operand, ast.TraitRef):
            return self._trait(operand.key, node, profile)
        aggregate = self.computed[operand.key] if isinstance(operand, ast.ComputedRef) else operand
        assert isinstance(aggregate, ast.Aggregate)
        typed = self.aggregate(aggregate, profile)
        present = any(typed(kind) is not None for kind in Kind)
        if node.op in (ast.Op.EXISTS, ast.Op.IS_NULL):
            return present == (node.op is ast.Op.EXISTS)
        return compare(typed, node.op, node.values)

    def _trait(self, key: str, node: ast.Compare, profile: str) -> bool:
        value = self.world.traits.get(profile, {}).get(key, MISSING)
        if node.op in (ast.Op.EXISTS, ast.Op.IS_NULL):
            return (value is not MISSING) == (node.op is ast.Op.EXISTS)
        if value is PERSONAL:
            return False
        return compare(lambda kind: trait_value(value, kind), node.op, node.values)

    def selected(self, selector: ast.EventSelector, profile: str) -> list[tuple[int, Event]]:
        """(seg_events.id, event) of the person's events the selector picks, in id order."""
        return [
            (index + 1, event)
            for index, event in enumerate(self.world.events)
            if event.profile == profile
            and event.name == selector.event
            and self._in_window(selector.window, event.time)
            and (selector.filter is None or _passes(selector.filter, event.properties))
        ]

    def _in_window(self, window: ast.Window, time: int) -> bool:
        if window.within_micros is not None and not (
            self.now - window.within_micros <= time <= self.now
        ):
            return False
        if window.after is not None and time < window.after.micros:
            return False
        return window.before is None or time < window.before.micros

    def aggregate(self, aggregate: ast.Aggregate, profile: str) -> Callable[[Kind], Any]:
        """The aggregate as a function of the kind asked for (None: no value of that kind)."""
        chosen = self.selected(aggregate.selector, profile)
        function = aggregate.function
        if function is ast.Function.COUNT and aggregate.property is None:
            return _number(len(chosen))
        key = aggregate.property
        assert key is not None
        # (time, id, value) of each selected event whose value is a string, number or boolean.
        found = [
            (event.time, event_id, event.properties[key])
            for event_id, event in chosen
            if scalar_kind(event.properties.get(key)) is not None
        ]
        return _AGGREGATES[function](found)


def _passes(node: ast.Node, properties: Mapping[str, Any]) -> bool:
    if isinstance(node, ast.And):
        return all(_passes(item, properties) for item in node.items)
    if isinstance(node, ast.Or):
        return any(_passes(item, properties) for item in node.items)
    if isinstance(node, ast.Not):
        return not _passes(node.item, properties)
    assert isinstance(node, ast.Compare) and isinstance(node.operand, ast.PropertyRef)
    value = properties.get(node.operand.key)
    if node.op in (ast.Op.EXISTS, ast.Op.IS_NULL):
        return (value is not None) == (node.op is ast.Op.EXISTS)
    return compare(lambda kind: property_value(value, kind), node.op, node.values)


def _number(value: float | None) -> Callable[[Kind], Any]:
    return lambda kind: value if kind is Kind.NUMBER else None


def _scalar(value: Any) -> Callable[[Kind], Any]:
    return lambda kind: property_value(value, kind)


def _numbers(found: list[tuple[int, int, Any]]) -> list[float]:
    return [float(value) for _, _, value in found if scalar_kind(value) is Kind.NUMBER]


def _extreme(pick: Callable[..., Any]) -> Callable[[list[tuple[int, int, Any]]], Any]:
    def of_kind(found: list[tuple[int, int, Any]]) -> Callable[[Kind], Any]:
        def value(kind: Kind) -> Any:
            typed = [property_value(v, kind) for _, _, v in found]
            present = [v for v in typed if v is not None]
            return pick(present) if present else None

        return value

    return of_kind


def _identity(value: Any) -> tuple[int, Any]:
    """Equality of values across types: 1 == 1.0, but true is not 1 and "1" is not 1."""
    kind = scalar_kind(value)
    rank = {Kind.BOOLEAN: 0, Kind.NUMBER: 1, Kind.STRING: 2}[kind]  # type: ignore[index]
    return rank, float(value) if kind is Kind.NUMBER else value


def _most_frequent(found: list[tuple[int, int, Any]]) -> Callable[[Kind], Any]:
    if not found:
        return _scalar(None)
    tally = Counter(_identity(value) for _, _, value in found)
    # Most events first; ties to the smallest value (booleans < numbers < strings).
    _, value = min(tally, key=lambda identity: (-tally[identity], identity))
    return _scalar(value)


def _sum(found: list[tuple[int, int, Any]]) -> Callable[[Kind], Any]:
    return _number(sum(_numbers(found)))


def _avg(found: list[tuple[int, int, Any]]) -> Callable[[Kind], Any]:
    numbers = _numbers(found)
    return _number(sum(numbers) / len(numbers) if numbers else None)


_AGGREGATES: dict[ast.Function, Callable[[list[tuple[int, int, Any]]], Callable[[Kind], Any]]] = {
    ast.Function.COUNT: lambda found: _number(len(found)),
    ast.Function.SUM: _sum,
    ast.Function.AVG: _avg,
    ast.Function.UNIQUE_COUNT: lambda found: _number(len({_identity(v) for _, _, v in found})),
    ast.Function.MIN: _extreme(min),
    ast.Function.MAX: _extreme(max),
    ast.Function.FIRST: lambda found: _scalar(min(found)[2] if found else None),
    ast.Function.LAST: lambda found: _scalar(max(found)[2] if found else None),
    ast.Function.MOST_FREQUENT: _most_frequent,
}
