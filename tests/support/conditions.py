"""Hypothesis strategies for condition trees that pass the checks (restrict them to hit real data)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from cdp.pii.documents import DEFAULT_PERSONAL_KEYS, Classifier
from cdp.segmentation.domain.conditions import ast, values
from cdp.segmentation.domain.conditions.checks import NAME

_CLASSIFIER = Classifier()
_TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_ONE_VALUE_OPS = (ast.Op.EQ, ast.Op.NE)
_ORDER_OPS = (ast.Op.LT, ast.Op.LE, ast.Op.GT, ast.Op.GE)
_TEXT_OPS = (ast.Op.CONTAINS, ast.Op.STARTS_WITH)
_Strategy = st.SearchStrategy


def texts(min_size: int = 0, max_size: int = 20) -> _Strategy[str]:
    """Any text the language can hold: no NUL, no lone surrogates."""
    return st.text(_TEXT, min_size=min_size, max_size=max_size)


def timestamps(
    min_micros: int = values.MIN_MICROS, max_micros: int = values.MAX_MICROS
) -> _Strategy[ast.Timestamp]:
    return st.integers(min_micros, max_micros).map(ast.Timestamp)


def literals(string_values: Sequence[str] | None = None) -> _Strategy[ast.Literal]:
    return st.one_of(_strings(string_values), _numbers(), st.booleans(), timestamps())


def _strings(string_values: Sequence[str] | None) -> _Strategy[str]:
    return texts() if string_values is None else st.sampled_from(list(string_values))


def _numbers() -> _Strategy[int | float]:
    exact = st.integers(-values.MAX_EXACT_INT, values.MAX_EXACT_INT)
    return st.one_of(exact, st.floats(allow_nan=False, allow_infinity=False))


def windows() -> _Strategy[ast.Window]:
    """All time, a within, after and/or before, or any mix (after always earlier than before)."""
    within = st.none() | st.builds(
        lambda count, unit: count * values.UNITS[unit],
        st.integers(1, 400),
        st.sampled_from(sorted(values.UNITS)),
    )
    pairs = st.lists(st.integers(values.MIN_MICROS, values.MAX_MICROS), min_size=2, max_size=2)
    bounds = pairs.filter(lambda pair: pair[0] != pair[1]).map(
        lambda pair: [ast.Timestamp(m) for m in sorted(pair)]
    )
    return st.builds(_window, within, bounds, st.booleans(), st.booleans())


def _window(
    within: int | None, bounds: list[ast.Timestamp], after: bool, before: bool
) -> ast.Window:
    return ast.Window(within, bounds[0] if after else None, bounds[1] if before else None)


def _keys(given: Sequence[str] | None, personal: bool) -> _Strategy[str]:
    """Given keys (personal ones only when allowed), or any key, identifier-like or not."""
    if given is not None:
        usable = [key for key in given if personal or not _CLASSIFIER.is_personal(key)]
        return st.sampled_from(usable) if usable else st.nothing()
    return texts(1, 20).filter(lambda key: personal or not _CLASSIFIER.is_personal(key))


def _compare(
    operands: _Strategy[ast.Operand], string_values: Sequence[str] | None
) -> _Strategy[ast.Compare]:
    """operand <op> values with values the operator accepts."""
    strings = _strings(string_values)
    choices = st.one_of(
        st.tuples(st.sampled_from(_ONE_VALUE_OPS), literals(string_values).map(lambda v: (v,))),
        st.tuples(st.sampled_from(_ORDER_OPS), (_numbers() | timestamps()).map(lambda v: (v,))),
        st.tuples(st.sampled_from(_TEXT_OPS), strings.map(lambda v: (v,))),
        st.tuples(
            st.just(ast.Op.IN), st.lists(literals(string_values), min_size=1, max_size=4).map(tuple)
        ),
        st.tuples(st.sampled_from((ast.Op.EXISTS, ast.Op.IS_NULL)), st.just(())),
    )
    return st.builds(
        lambda operand, pair: ast.Compare(operand, pair[0], pair[1]), operands, choices
    )


def _combine(leaves: _Strategy[ast.Node], max_leaves: int) -> _Strategy[ast.Node]:
    def extend(children: _Strategy[ast.Node]) -> _Strategy[ast.Node]:
        several = st.lists(children, min_size=2, max_size=4).map(tuple)
        return st.one_of(several.map(ast.And), several.map(ast.Or), children.map(ast.Not))

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def conditions(
    *,
    trait_keys: Sequence[str] | None = None,
    event_names: Sequence[str] | None = None,
    property_keys: Sequence[str] | None = None,
    purposes: Sequence[str] | None = None,
    segment_ids: Sequence[str] = (),
    computed_keys: Sequence[str] = (),
    string_values: Sequence[str] | None = None,
    max_leaves: int = 8,
) -> _Strategy[ast.Node]:
    """Trees that pass checks.check(node, {key: ... for computed_keys}, {id: ... for segment_ids}).

    Personal trait keys are compared only with exists / is null, personal property keys never used;
    segment(...) and computed.<key> appear only when ids / keys are given.
    """
    events = _Events(event_names, property_keys, string_values)
    public = _keys(trait_keys, personal=False)
    leaves = [
        _compare(public.map(ast.TraitRef), string_values),
        _presence(_personal_keys(trait_keys).map(ast.TraitRef)),
        _compare(events.aggregates(), string_values),
        events.selectors().map(ast.EventExists),
        _names(purposes).map(ast.Consent),
    ]
    if computed_keys:
        leaves.append(
            _compare(st.sampled_from(list(computed_keys)).map(ast.ComputedRef), string_values)
        )
    if segment_ids:
        leaves.append(st.sampled_from(list(segment_ids)).map(ast.InSegment))
    return _combine(st.one_of(leaves), max_leaves)


def aggregates(
    *,
    event_names: Sequence[str] | None = None,
    property_keys: Sequence[str] | None = None,
    string_values: Sequence[str] | None = None,
) -> _Strategy[ast.Aggregate]:
    """Aggregates that pass checks.check_aggregate (computed-trait expressions)."""
    return _Events(event_names, property_keys, string_values).aggregates()


def _personal_keys(given: Sequence[str] | None) -> _Strategy[str]:
    keys = sorted(DEFAULT_PERSONAL_KEYS) if given is None else given
    usable = [key for key in keys if _CLASSIFIER.is_personal(key)]
    return st.sampled_from(usable) if usable else st.nothing()


def _presence(operands: _Strategy[ast.Operand]) -> _Strategy[ast.Compare]:
    """exists / is null: all a personal trait allows."""
    return st.builds(ast.Compare, operands, st.sampled_from([ast.Op.EXISTS, ast.Op.IS_NULL]))


def _names(given: Sequence[str] | None) -> _Strategy[str]:
    if given is not None:
        return st.sampled_from(list(given))
    return st.from_regex(NAME, fullmatch=True)


class _Events:
    """Selectors and aggregates over the given event names and property keys."""

    def __init__(
        self,
        event_names: Sequence[str] | None,
        property_keys: Sequence[str] | None,
        string_values: Sequence[str] | None,
    ) -> None:
        self._names = st.sampled_from(list(event_names)) if event_names else texts(1, 30)
        self._properties = _keys(property_keys, personal=False)
        self._strings = string_values

    def filters(self) -> _Strategy[ast.Node]:
        comparisons = _compare(self._properties.map(ast.PropertyRef), self._strings)
        return _combine(comparisons, max_leaves=3)

    def selectors(self) -> _Strategy[ast.EventSelector]:
        return st.builds(ast.EventSelector, self._names, st.none() | self.filters(), windows())

    def aggregates(self) -> _Strategy[ast.Aggregate]:
        functions = st.sampled_from(list(ast.Function))
        return st.builds(_aggregate, self.selectors(), functions, self._properties)


def _aggregate(selector: ast.EventSelector, function: ast.Function, key: str) -> ast.Aggregate:
    """COUNT takes no property, every other function one."""
    return ast.Aggregate(selector, function, None if function is ast.Function.COUNT else key)
