"""Size limits of a condition and the tree walks that measure them (text and proto alike)."""

from __future__ import annotations

from collections.abc import Iterator

from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.errors import ConditionError

MAX_TEXT = 10_000
MAX_DEPTH = 32
MAX_NODES = 256
MAX_IN_VALUES = 1_000


def children(node: ast.Node) -> Iterator[ast.Node]:
    """The conditions directly inside `node`, event filters included."""
    if isinstance(node, ast.And | ast.Or):
        yield from node.items
    elif isinstance(node, ast.Not):
        yield node.item
    else:
        selector = selector_of(node)
        if selector is not None and selector.filter is not None:
            yield selector.filter


def selector_of(node: ast.Node) -> ast.EventSelector | None:
    """The event selector of an event(...).exists() or of a comparison of an aggregate."""
    if isinstance(node, ast.EventExists):
        return node.selector
    if isinstance(node, ast.Compare) and isinstance(node.operand, ast.Aggregate):
        return node.operand.selector
    return None


def walk(node: ast.Node) -> Iterator[ast.Node]:
    """Every condition in the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def depth(node: ast.Node) -> int:
    """How deeply conditions nest inside `node` (0 for a leaf; and, or, not and filters add 1)."""
    return max((1 + depth(child) for child in children(node)), default=0)


def enforce(node: ast.Node, field: str = "condition") -> None:
    """Raises ConditionError when the tree is deeper or larger than the limits."""
    if depth(node) > MAX_DEPTH:
        raise too_deep(node.position, field)
    if sum(1 for _ in walk(node)) > MAX_NODES:
        raise too_large(node.position, field)


def too_deep(position: ast.Position, field: str = "condition") -> ConditionError:
    return ConditionError(
        f"the condition nests deeper than {MAX_DEPTH} levels; flatten it or split it into segments",
        position,
        field,
    )


def too_large(position: ast.Position, field: str = "condition") -> ConditionError:
    return ConditionError(
        f"the condition has more than {MAX_NODES} parts; split it into segments", position, field
    )


def too_many_values(position: ast.Position, field: str = "condition") -> ConditionError:
    return ConditionError(f"an in list holds at most {MAX_IN_VALUES} values", position, field)
