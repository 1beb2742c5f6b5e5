"""Prints a tree as canonical condition text, which parses back to an equal tree."""

from __future__ import annotations

from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.values import (
    format_duration,
    format_key,
    format_literal,
    format_string,
    format_timestamp,
)

_PREFIXES = {ast.TraitRef: "traits", ast.ComputedRef: "computed", ast.PropertyRef: "properties"}
_NO_VALUE = (ast.Op.EXISTS, ast.Op.IS_NULL)


def format_condition(node: ast.Node) -> str:
    """Single spaces, parentheses only where precedence or the tree's shape needs them."""
    if isinstance(node, ast.Or):
        return " or ".join(_part(item, (ast.Or,)) for item in _items(node))
    if isinstance(node, ast.And):
        return " and ".join(_part(item, (ast.And, ast.Or)) for item in _items(node))
    if isinstance(node, ast.Not):
        return _negation(node)
    if isinstance(node, ast.Compare):
        return _comparison(node)
    if isinstance(node, ast.EventExists):
        return f"{_selector(node.selector)}.exists({_window(node.selector.window)})"
    if isinstance(node, ast.Consent):
        return f"consent({format_string(node.purpose)})"
    if isinstance(node, ast.InSegment):
        return f"segment({format_string(node.segment)})"
    raise ValueError(f"not a condition: {type(node).__name__}")


def format_aggregate(aggregate: ast.Aggregate) -> str:
    """event("Name"[, filter]).function([properties.x, ]window)."""
    arguments = [] if aggregate.property is None else [format_key("properties", aggregate.property)]
    window = _window(aggregate.selector.window)
    arguments += [window] if window else []
    name = aggregate.function.value
    return f"{_selector(aggregate.selector)}.{name}({', '.join(arguments)})"


def _items(node: ast.And | ast.Or) -> tuple[ast.Node, ...]:
    # One item would print as the item alone and read back without its And/Or.
    if len(node.items) < 2:
        raise ValueError("and/or needs at least two conditions")
    return node.items


def _part(item: ast.Node, bracketed: tuple[type, ...]) -> str:
    """An and/or item; a nested and/or keeps its parentheses so the tree reads back the same."""
    text = format_condition(item)
    return f"({text})" if isinstance(item, bracketed) else text


def _negation(node: ast.Not) -> str:
    item = node.item
    if isinstance(item, ast.Compare) and item.op is ast.Op.IS_NULL:
        return f"{_operand(item.operand)} is not null"
    text = format_condition(item)
    return f"not ({text})" if isinstance(item, ast.And | ast.Or) else f"not {text}"


def _comparison(node: ast.Compare) -> str:
    operand = _operand(node.operand)
    if node.op in _NO_VALUE:
        if node.values:
            raise ValueError(f"{node.op.value} takes no value")
        return f"{operand} {node.op.value}"
    if node.op is ast.Op.IN:
        return f"{operand} in [{', '.join(format_literal(value) for value in node.values)}]"
    if len(node.values) != 1:
        raise ValueError(f"{node.op.value} takes exactly one value")
    return f"{operand} {node.op.value} {format_literal(node.values[0])}"


def _operand(operand: ast.Operand) -> str:
    if isinstance(operand, ast.Aggregate):
        return format_aggregate(operand)
    return format_key(_PREFIXES[type(operand)], operand.key)


def _selector(selector: ast.EventSelector) -> str:
    name = format_string(selector.event)
    if selector.filter is None:
        return f"event({name})"
    return f"event({name}, {format_condition(selector.filter)})"


def _window(window: ast.Window) -> str:
    """Window arguments in the order within, after, before ("" for all time)."""
    arguments = []
    if window.within_micros is not None:
        arguments.append(f"within = {format_duration(window.within_micros)}")
    if window.after is not None:
        arguments.append(f"after = {format_timestamp(window.after)}")
    if window.before is not None:
        arguments.append(f"before = {format_timestamp(window.before)}")
    return ", ".join(arguments)
