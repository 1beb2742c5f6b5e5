"""Condition tree <-> its proto form (cdp.api.segmentation.v1.Condition), naming bad fields by path."""

from __future__ import annotations

import math

from google.protobuf import duration_pb2, timestamp_pb2

from cdp.api.segmentation.v1 import condition_pb2 as pb
from cdp.segmentation.domain.conditions import ast, limits, values
from cdp.segmentation.domain.conditions.errors import ConditionError

SEGMENT_PREFIX = "segments/"
_OPS = {
    ast.Op.EQ: pb.OPERATOR_EQUAL,
    ast.Op.NE: pb.OPERATOR_NOT_EQUAL,
    ast.Op.LT: pb.OPERATOR_LESS,
    ast.Op.LE: pb.OPERATOR_LESS_OR_EQUAL,
    ast.Op.GT: pb.OPERATOR_GREATER,
    ast.Op.GE: pb.OPERATOR_GREATER_OR_EQUAL,
    ast.Op.IN: pb.OPERATOR_IN,
    ast.Op.CONTAINS: pb.OPERATOR_CONTAINS,
    ast.Op.STARTS_WITH: pb.OPERATOR_STARTS_WITH,
    ast.Op.EXISTS: pb.OPERATOR_EXISTS,
    ast.Op.IS_NULL: pb.OPERATOR_IS_NULL,
}
_OPS_BACK = {number: op for op, number in _OPS.items()}
_FUNCTIONS = {
    function: pb.AggregateFunction.Value(f"AGGREGATE_FUNCTION_{function.name}")
    for function in ast.Function
}
_FUNCTIONS_BACK = {number: function for function, number in _FUNCTIONS.items()}
_KINDS = "all, any, negated, comparison, consent_purpose, segment or event_exists"
_OPERAND_KINDS = {"trait": ast.TraitRef, "computed_trait": ast.ComputedRef}
_OPERAND_KINDS["property"] = ast.PropertyRef
_MICROS = 1_000_000


def to_proto(node: ast.Node) -> pb.Condition:
    if isinstance(node, ast.And):
        return pb.Condition(all=pb.ConditionList(conditions=[to_proto(i) for i in node.items]))
    if isinstance(node, ast.Or):
        return pb.Condition(any=pb.ConditionList(conditions=[to_proto(i) for i in node.items]))
    if isinstance(node, ast.Not):
        return pb.Condition(negated=to_proto(node.item))
    if isinstance(node, ast.Compare):
        return pb.Condition(comparison=_comparison_to_proto(node))
    if isinstance(node, ast.Consent):
        return pb.Condition(consent_purpose=node.purpose)
    if isinstance(node, ast.InSegment):
        return pb.Condition(segment=SEGMENT_PREFIX + node.segment)
    return pb.Condition(event_exists=_selector_to_proto(node.selector))


def aggregate_to_proto(aggregate: ast.Aggregate) -> pb.EventAggregate:
    return pb.EventAggregate(
        selector=_selector_to_proto(aggregate.selector),
        function=_FUNCTIONS[aggregate.function],
        property=aggregate.property or "",
    )


def _comparison_to_proto(node: ast.Compare) -> pb.Comparison:
    operand = node.operand
    if isinstance(operand, ast.Aggregate):
        target = pb.Operand(event_aggregate=aggregate_to_proto(operand))
    elif isinstance(operand, ast.TraitRef):
        target = pb.Operand(trait=operand.key)
    elif isinstance(operand, ast.ComputedRef):
        target = pb.Operand(computed_trait=operand.key)
    else:
        target = pb.Operand(property=operand.key)
    literals = [_literal_to_proto(value) for value in node.values]
    return pb.Comparison(operand=target, operator=_OPS[node.op], values=literals)


def _literal_to_proto(value: ast.Literal) -> pb.Literal:
    if isinstance(value, bool):
        return pb.Literal(bool_value=value)
    if isinstance(value, str):
        return pb.Literal(string_value=value)
    if isinstance(value, ast.Timestamp):
        return pb.Literal(timestamp_value=_timestamp_to_proto(value))
    return pb.Literal(number_value=float(value))


def _selector_to_proto(selector: ast.EventSelector) -> pb.EventSelector:
    message = pb.EventSelector(event=selector.event)
    if selector.filter is not None:
        message.filter.CopyFrom(to_proto(selector.filter))
    if selector.window != ast.ALL_TIME:
        message.window.CopyFrom(_window_to_proto(selector.window))
    return message


def _window_to_proto(window: ast.Window) -> pb.Window:
    message = pb.Window()
    if window.within_micros is not None:
        seconds, micros = divmod(window.within_micros, _MICROS)
        message.within.CopyFrom(duration_pb2.Duration(seconds=seconds, nanos=micros * 1000))
    if window.after is not None:
        message.after.CopyFrom(_timestamp_to_proto(window.after))
    if window.before is not None:
        message.before.CopyFrom(_timestamp_to_proto(window.before))
    return message


def _timestamp_to_proto(value: ast.Timestamp) -> timestamp_pb2.Timestamp:
    seconds, micros = divmod(value.micros, _MICROS)
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=micros * 1000)


def from_proto(message: pb.Condition, field: str = "condition_tree") -> ast.Node:
    """The tree of a proto condition; ConditionError names the field path of the first problem."""
    return _Reader().condition(message, field, 0)


def aggregate_from_proto(
    message: pb.EventAggregate, field: str = "expression_tree"
) -> ast.Aggregate:
    return _Reader().aggregate(message, field, 0)


def _error(path: str, problem: str) -> ConditionError:
    return ConditionError(f"{path} {problem}", field=path)


class _Reader:
    """Reads one proto tree, counting its conditions against the size limits."""

    def __init__(self) -> None:
        self._nodes = 0

    def condition(self, message: pb.Condition, path: str, depth: int) -> ast.Node:
        self._nodes += 1
        if depth > limits.MAX_DEPTH:
            raise limits.too_deep(ast.NOWHERE, path)
        if self._nodes > limits.MAX_NODES:
            raise limits.too_large(ast.NOWHERE, path)
        kind = message.WhichOneof("kind")
        if kind in ("all", "any"):
            return self._list(getattr(message, kind), f"{path}.{kind}", depth, kind)
        if kind == "negated":
            return ast.Not(self.condition(message.negated, f"{path}.negated", depth + 1))
        if kind == "comparison":
            return self._comparison(message.comparison, f"{path}.comparison", depth)
        if kind == "consent_purpose":
            return ast.Consent(message.consent_purpose)
        if kind == "segment":
            return ast.InSegment(_segment_id(message.segment, f"{path}.segment"))
        if kind == "event_exists":
            return ast.EventExists(
                self.selector(message.event_exists, f"{path}.event_exists", depth)
            )
        raise _error(path, f"needs one of {_KINDS}")

    def _list(self, message: pb.ConditionList, path: str, depth: int, kind: str) -> ast.Node:
        if len(message.conditions) < 2:
            raise _error(f"{path}.conditions", "needs at least two conditions")
        items = tuple(
            self.condition(item, f"{path}.conditions[{index}]", depth + 1)
            for index, item in enumerate(message.conditions)
        )
        return ast.And(items) if kind == "all" else ast.Or(items)

    def _comparison(self, message: pb.Comparison, path: str, depth: int) -> ast.Compare:
        if not message.HasField("operand"):
            raise _error(f"{path}.operand", "is required")
        operand = self._operand(message.operand, f"{path}.operand", depth)
        op = _OPS_BACK.get(message.operator)
        if op is None:
            raise _error(f"{path}.operator", "needs a known operator (OPERATOR_EQUAL, ...)")
        _check_value_count(op, len(message.values), f"{path}.values")
        literals = tuple(
            _literal(value, f"{path}.values[{index}]") for index, value in enumerate(message.values)
        )
        return ast.Compare(operand, op, literals)

    def _operand(self, message: pb.Operand, path: str, depth: int) -> ast.Operand:
        kind = message.WhichOneof("kind")
        if kind == "event_aggregate":
            return self.aggregate(message.event_aggregate, f"{path}.event_aggregate", depth)
        if kind is None:
            raise _error(path, "needs one of trait, computed_trait, property or event_aggregate")
        return _OPERAND_KINDS[kind](getattr(message, kind))

    def aggregate(self, message: pb.EventAggregate, path: str, depth: int) -> ast.Aggregate:
        if not message.HasField("selector"):
            raise _error(f"{path}.selector", "is required")
        function = _FUNCTIONS_BACK.get(message.function)
        if function is None:
            raise _error(
                f"{path}.function", "needs a known function (AGGREGATE_FUNCTION_COUNT, ...)"
            )
        selector = self.selector(message.selector, f"{path}.selector", depth)
        return ast.Aggregate(selector, function, message.property or None)

    def selector(self, message: pb.EventSelector, path: str, depth: int) -> ast.EventSelector:
        event_filter = None
        if message.HasField("filter"):
            event_filter = self.condition(message.filter, f"{path}.filter", depth + 1)
        window = ast.ALL_TIME
        if message.HasField("window"):
            window = _window(message.window, f"{path}.window")
        return ast.EventSelector(message.event, event_filter, window)


def _check_value_count(op: ast.Op, count: int, path: str) -> None:
    if op in (ast.Op.EXISTS, ast.Op.IS_NULL) and count:
        raise _error(path, f"must be empty for {op.value}")
    if op is ast.Op.IN and not 1 <= count <= limits.MAX_IN_VALUES:
        raise _error(path, f"holds 1 to {limits.MAX_IN_VALUES} values for in")
    if op not in (ast.Op.EXISTS, ast.Op.IS_NULL, ast.Op.IN) and count != 1:
        raise _error(path, f"holds exactly one value for {op.value}")


def _segment_id(name: str, path: str) -> str:
    if not name.startswith(SEGMENT_PREFIX) or len(name) == len(SEGMENT_PREFIX):
        raise _error(path, "must look like segments/{segment}")
    return name[len(SEGMENT_PREFIX) :]


def _literal(message: pb.Literal, path: str) -> ast.Literal:
    kind = message.WhichOneof("kind")
    if kind == "string_value":
        return message.string_value
    if kind == "bool_value":
        return message.bool_value
    if kind == "number_value":
        return _number(message.number_value, path)
    if kind == "timestamp_value":
        return _timestamp(message.timestamp_value, f"{path}.timestamp_value")
    raise _error(path, "needs one of string_value, number_value, bool_value or timestamp_value")


def _number(value: float, path: str) -> int | float:
    """Whole numbers come back as ints, so they print (and compare) as the integers they were."""
    if not math.isfinite(value):
        raise _error(f"{path}.number_value", "must be finite")
    negative_zero = value == 0 and math.copysign(1.0, value) < 0
    if value.is_integer() and abs(value) <= values.MAX_EXACT_INT and not negative_zero:
        return int(value)
    return value


def _timestamp(message: timestamp_pb2.Timestamp, path: str) -> ast.Timestamp:
    if message.nanos % 1000 or not 0 <= message.nanos < 1_000_000_000:
        raise _error(path, "has microsecond precision at most (nanos a multiple of 1000)")
    micros = message.seconds * _MICROS + message.nanos // 1000
    if not values.MIN_MICROS <= micros <= values.MAX_MICROS:
        raise _error(path, "must be in years 1 to 9999")
    return ast.Timestamp(micros)


def _window(message: pb.Window, path: str) -> ast.Window:
    within = None
    if message.HasField("within"):
        seconds, nanos = message.within.seconds, message.within.nanos
        within = seconds * _MICROS
        if nanos or not 1 <= seconds <= values.MAX_WITHIN_MICROS // _MICROS:
            raise _error(f"{path}.within", "must be a whole number of seconds from 1s to 36500d")
    after = _timestamp(message.after, f"{path}.after") if message.HasField("after") else None
    before = _timestamp(message.before, f"{path}.before") if message.HasField("before") else None
    return ast.Window(within, after, before)
