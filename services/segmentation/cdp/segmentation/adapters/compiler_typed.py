"""Typed comparisons in SQL: the literal's type picks the column, other types never match."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, Boolean, ColumnElement, Float, Text, and_, func, literal, or_
from sqlalchemy.types import TypeEngine

from cdp.segmentation.adapters.compiler_sql import Binary, Position
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.errors import ConditionError
from cdp.segmentation.domain.typed import Kind, literal_kind

_SQL_TYPES: dict[Kind, TypeEngine[Any]] = {
    Kind.STRING: Text(),
    Kind.NUMBER: Float(),
    Kind.BOOLEAN: Boolean(),
    Kind.TIMESTAMP: BigInteger(),
}

_ORDERING = {
    ast.Op.LT: ColumnElement.__lt__,
    ast.Op.LE: ColumnElement.__le__,
    ast.Op.GT: ColumnElement.__gt__,
    ast.Op.GE: ColumnElement.__ge__,
}


def typed_condition(
    columns: Mapping[Kind, ColumnElement[Any]], op: ast.Op, values: Sequence[ast.Literal]
) -> ColumnElement[bool] | None:
    """`column op values`, the column picked by each literal's kind; None when it cannot hold.

    Never NULL: each test is guarded by `column IS NOT NULL`, so NOT over it stays two-valued.
    EXISTS and IS_NULL are the caller's (what "present" means differs by operand).
    """
    if op is ast.Op.IN:
        return _one_of(columns, values)
    if len(values) != 1:
        raise ConditionError(f"{op.value} takes exactly one value")
    return _compare(columns, op, values[0])


def _one_of(
    columns: Mapping[Kind, ColumnElement[Any]], values: Sequence[ast.Literal]
) -> ColumnElement[bool] | None:
    """One `column IN (...)` per kind of literal: an index on (key, column) serves each."""
    by_kind: dict[Kind, list[Any]] = {}
    for value in values:
        by_kind.setdefault(literal_kind(value), []).append(value)
    tests = [
        and_(
            columns[kind].is_not(None),
            columns[kind].in_([literal(_plain(v), _SQL_TYPES[kind]) for v in group]),
        )
        for kind, group in by_kind.items()
        if kind in columns
    ]
    return or_(*tests) if tests else None


def _compare(
    columns: Mapping[Kind, ColumnElement[Any]], op: ast.Op, value: ast.Literal
) -> ColumnElement[bool] | None:
    kind = literal_kind(value)
    column = columns.get(kind)
    if column is None:
        return None
    bound = literal(_plain(value), _SQL_TYPES[kind])
    if op in (ast.Op.CONTAINS, ast.Op.STARTS_WITH):
        if kind is not Kind.STRING:
            return None
        return and_(column.is_not(None), _text_test(op, column, value))
    if op in _ORDERING:
        ordered = Binary(column) if kind is Kind.STRING else column
        return and_(column.is_not(None), _ORDERING[op](ordered, bound))
    if op is ast.Op.EQ:
        return and_(column.is_not(None), column == bound)
    if op is ast.Op.NE:
        return and_(column.is_not(None), column != bound)
    raise ConditionError(f"{op.value} does not take a value here")


def _text_test(op: ast.Op, column: ColumnElement[Any], value: str) -> ColumnElement[bool]:
    if op is ast.Op.CONTAINS:
        return Position(column, literal(value, Text)) > 0
    # substr with the length counted here: PostgreSQL cannot type length() of a parameter.
    return func.substr(column, 1, len(value)) == literal(value, Text)


def _plain(value: ast.Literal) -> Any:
    if isinstance(value, ast.Timestamp):
        return value.micros
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value
