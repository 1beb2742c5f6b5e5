"""Static checks of a parsed condition (scoping, types, personal data, references) and its references."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cdp.pii.documents import DEFAULT_PERSONAL_KEYS, Classifier
from cdp.segmentation.domain.conditions import ast, limits, values
from cdp.segmentation.domain.conditions.errors import ConditionError
from cdp.segmentation.domain.conditions.segment_graph import check_segments
from cdp.segmentation.domain.conditions.stream import describe_operand

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_EVENT_NAME = 200
MAX_KEY = 256
DEFAULT_CLASSIFIER = Classifier(DEFAULT_PERSONAL_KEYS)
_ONE_VALUE = {ast.Op.EQ, ast.Op.NE, ast.Op.LT, ast.Op.LE, ast.Op.GT, ast.Op.GE}
_ONE_VALUE |= {ast.Op.CONTAINS, ast.Op.STARTS_WITH}
_ORDERED = {ast.Op.LT, ast.Op.LE, ast.Op.GT, ast.Op.GE}
_TEXT = {ast.Op.CONTAINS, ast.Op.STARTS_WITH}
_PERSONAL_OK = {ast.Op.EXISTS, ast.Op.IS_NULL}
_KeyRef = ast.TraitRef | ast.ComputedRef | ast.PropertyRef


@dataclass(frozen=True)
class References:
    """What a condition reads: the real-time engine re-evaluates it when one of these changes."""

    trait_keys: frozenset[str] = frozenset()
    computed_keys: frozenset[str] = frozenset()
    event_names: frozenset[str] = frozenset()  # including those behind computed traits
    purposes: frozenset[str] = frozenset()
    segment_ids: frozenset[str] = frozenset()
    slides: bool = False  # a window with `within`: membership changes with time alone


def check(
    node: ast.Node,
    computed: Mapping[str, ast.Aggregate],
    segments: Mapping[str, frozenset[str]] | None = None,
    own_id: str | None = None,
    field: str = "condition",
    classifier: Classifier = DEFAULT_CLASSIFIER,
) -> None:
    """Raises ConditionError (at the offending node) unless the condition can be evaluated.

    `segments` maps every existing segment id to the ids its condition references (None skips the
    existence check); `own_id` is the segment being defined, for cycle detection; `classifier`
    says which trait and property keys are personal (the suite's classification).
    """
    limits.enforce(node, field)
    _Checker(computed, field, classifier).condition(node, in_filter=False)
    check_segments(node, segments, own_id, field)


def check_aggregate(
    aggregate: ast.Aggregate, field: str = "expression", classifier: Classifier = DEFAULT_CLASSIFIER
) -> None:
    """The checks of an aggregate standing alone, as a computed trait's expression."""
    _Checker({}, field, classifier).aggregate(aggregate)
    if aggregate.selector.filter is not None:
        limits.enforce(aggregate.selector.filter, field)


def references(node: ast.Node, computed: Mapping[str, ast.Aggregate]) -> References:
    """Trait keys, computed keys, events, purposes and segments the condition reads."""
    found: dict[str, set[str]] = {kind: set() for kind in ("trait", "computed", "event")}
    found |= {"purpose": set(), "segment": set()}
    selectors: list[ast.EventSelector] = []
    for part in limits.walk(node):
        _collect(part, found, selectors)
    selectors += [computed[key].selector for key in found["computed"] if key in computed]
    return References(
        frozenset(found["trait"]),
        frozenset(found["computed"]),
        frozenset(found["event"]) | {selector.event for selector in selectors},
        frozenset(found["purpose"]),
        frozenset(found["segment"]),
        any(selector.window.slides for selector in selectors),
    )


def _collect(part: ast.Node, found: dict[str, set[str]], selectors: list) -> None:
    if isinstance(part, ast.Consent):
        found["purpose"].add(part.purpose)
    elif isinstance(part, ast.InSegment):
        found["segment"].add(part.segment)
    elif isinstance(part, ast.Compare) and isinstance(part.operand, ast.TraitRef):
        found["trait"].add(part.operand.key)
    elif isinstance(part, ast.Compare) and isinstance(part.operand, ast.ComputedRef):
        found["computed"].add(part.operand.key)
    selector = limits.selector_of(part)
    if selector is not None:
        selectors.append(selector)


class _Checker:
    def __init__(
        self, computed: Mapping[str, ast.Aggregate], field: str, classifier: Classifier
    ) -> None:
        self._computed = computed
        self._field = field
        self._classifier = classifier

    def _error(self, message: str, position: ast.Position) -> ConditionError:
        return ConditionError(message, position, self._field)

    def condition(self, node: ast.Node, in_filter: bool) -> None:
        if isinstance(node, ast.And | ast.Or):
            if len(node.items) < 2:
                raise self._error("and / or needs at least two conditions", node.position)
            for item in node.items:
                self.condition(item, in_filter)
        elif isinstance(node, ast.Not):
            self.condition(node.item, in_filter)
        elif isinstance(node, ast.Compare):
            self._operand(node, in_filter)
            self._values(node)
        else:
            self._profile_level(node, in_filter)

    def _profile_level(self, node: ast.Node, in_filter: bool) -> None:
        """event(...).exists(), consent(...) and segment(...): never inside an event filter."""
        name = {ast.EventExists: "event(...)", ast.Consent: "consent(...)"}
        name[ast.InSegment] = "segment(...)"
        if type(node) not in name:
            raise self._error(f"not a condition: {type(node).__name__}", node.position)
        if in_filter:
            raise self._error(_in_filter(name[type(node)]), node.position)
        if isinstance(node, ast.EventExists):
            self.selector(node.selector)
        elif isinstance(node, ast.Consent):
            self._name(node.purpose, "a purpose", node.position)
        elif isinstance(node, ast.InSegment):
            self._name(node.segment, "a segment id", node.position)

    def _name(self, text: str, what: str, position: ast.Position) -> None:
        if not NAME.fullmatch(text):
            raise self._error(
                f"{what} is 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit",
                position,
            )

    def _operand(self, compare: ast.Compare, in_filter: bool) -> None:
        operand = compare.operand
        where = operand.position if operand.position.line else compare.position
        if isinstance(operand, ast.Aggregate):
            if in_filter:
                raise self._error(_in_filter("event(...)"), where)
            self.aggregate(operand)
            return
        self._key(operand, where)
        if isinstance(operand, ast.PropertyRef) != in_filter:
            raise self._error(_misplaced(operand), where)
        if isinstance(operand, ast.ComputedRef) and operand.key not in self._computed:
            raise self._error(f"{describe_operand(operand)} is not a computed trait", where)
        if self._classifier.is_personal(operand.key) and not isinstance(operand, ast.ComputedRef):
            self._personal(operand, compare.op, where)

    def _key(self, operand: _KeyRef, where: ast.Position) -> None:
        if not 1 <= len(operand.key) <= MAX_KEY or "\x00" in operand.key:
            raise self._error(f"a key is 1 to {MAX_KEY} characters (no NUL)", where)

    def _personal(self, operand: _KeyRef, op: ast.Op, where: ast.Position) -> None:
        text = describe_operand(operand)
        seen = "the segmentation service never sees its value"
        if isinstance(operand, ast.PropertyRef):
            raise self._error(f"{text} is personal data: {seen}; it cannot be used", where)
        if op not in _PERSONAL_OK:
            raise self._error(
                f"{text} is personal data: {seen}; only exists / is null can be used", where
            )

    def aggregate(self, aggregate: ast.Aggregate) -> None:
        where = aggregate.position
        name = aggregate.function.value
        if aggregate.function is ast.Function.COUNT and aggregate.property is not None:
            raise self._error("count takes no property: count() counts the events", where)
        if aggregate.function is not ast.Function.COUNT:
            if aggregate.property is None:
                raise self._error(f"{name} needs a property, e.g. {name}(properties.x)", where)
            prop = ast.PropertyRef(aggregate.property)
            self._key(prop, where)
            if self._classifier.is_personal(prop.key):
                self._personal(prop, ast.Op.EXISTS, where)
        self.selector(aggregate.selector)

    def selector(self, selector: ast.EventSelector) -> None:
        where = selector.position
        if not 1 <= len(selector.event) <= MAX_EVENT_NAME or "\x00" in selector.event:
            raise self._error(f"an event name is 1 to {MAX_EVENT_NAME} characters", where)
        self._window(selector.window, where)
        if selector.filter is not None:
            self.condition(selector.filter, in_filter=True)

    def _window(self, window: ast.Window, where: ast.Position) -> None:
        within = window.within_micros
        if within is not None and not (
            0 < within <= values.MAX_WITHIN_MICROS and within % values.SECOND == 0
        ):
            raise self._error("within is a whole number of seconds from 1s to 36500d", where)
        for bound in (window.after, window.before):
            if bound is not None:
                self._literal(bound, where)
        if window.after and window.before and window.after.micros >= window.before.micros:
            raise self._error("the window is empty: after must be earlier than before", where)

    def _values(self, compare: ast.Compare) -> None:
        op, count, where = compare.op, len(compare.values), compare.position
        if op in _PERSONAL_OK and count:
            raise self._error(f"{op.value} takes no value", where)
        if op in _ONE_VALUE and count != 1:
            raise self._error(f"{op.value} takes exactly one value", where)
        if op is ast.Op.IN and not 1 <= count <= limits.MAX_IN_VALUES:
            raise self._error(f"in takes 1 to {limits.MAX_IN_VALUES} values", where)
        for value in compare.values:
            self._literal(value, where)
            self._compatible(op, value, where)

    def _compatible(self, op: ast.Op, value: ast.Literal, where: ast.Position) -> None:
        if op in _TEXT and not isinstance(value, str):
            raise self._error(f"{op.value} needs a string", where)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if op in _ORDERED and not (number or isinstance(value, ast.Timestamp)):
            raise self._error(f"{op.value} needs a number or a timestamp", where)

    def _literal(self, value: ast.Literal, where: ast.Position) -> None:
        problem = _literal_problem(value)
        if problem:
            raise self._error(problem, where)


def _literal_problem(value: object) -> str | None:
    """Why a literal cannot be stored, compared or printed (None when it can)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return "a string cannot hold the NUL character" if "\x00" in value else None
    if isinstance(value, int):
        within = abs(value) <= values.MAX_EXACT_INT
        return None if within else f"integers are at most {values.MAX_EXACT_INT} either side of 0"
    if isinstance(value, float):
        return None if math.isfinite(value) else "numbers are finite"
    if isinstance(value, ast.Timestamp):
        within = values.MIN_MICROS <= value.micros <= values.MAX_MICROS
        return None if within else "timestamps are in years 1 to 9999"
    return f"not a value: {type(value).__name__}"


def _in_filter(what: str) -> str:
    return (
        f"{what} cannot be used inside an event filter; a filter tests the event's properties.<key>"
    )


def _misplaced(operand: _KeyRef) -> str:
    text = describe_operand(operand)
    if isinstance(operand, ast.PropertyRef):
        return (
            f"{text} can only be used inside an event filter, "
            f'e.g. event("Name", {text} == 1).exists()'
        )
    return _in_filter(text)
