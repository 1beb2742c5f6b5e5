"""The compiler's SQL vocabulary: its scope and the elements it renders per dialect (JSON, text)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Boolean,
    ColumnElement,
    Float,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import Null
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import JSON

from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.typed import Kind


@dataclass(frozen=True)
class Scope:
    """What a compiled condition evaluates against.

    `now` (micros) anchors sliding windows; `profile_ids` restricts every subquery to those profiles
    (the real-time path re-checks changed profiles with the same SQL as the batch path); `computed`
    maps computed trait keys to their aggregates, compiled inline where a condition names them.
    """

    now: int
    profile_ids: Sequence[str] | None = None
    computed: Mapping[str, ast.Aggregate] = field(default_factory=dict)

    @cached_property
    def _ids(self) -> BindParameter[Any]:
        # One parameter object shared by every subquery of a statement.
        ids = list(self.profile_ids or ())
        return bindparam("scope_profile_ids", ids, expanding=True, unique=True)

    def restrict(self, column: ColumnElement[Any]) -> list[ColumnElement[bool]]:
        """The conditions that keep `column` (a profile id) inside the scope; none for all."""
        return [] if self.profile_ids is None else [column.in_(self._ids)]


class _Property(FunctionElement[Any]):
    """A top-level property of an event's JSON document, rendered per dialect.

    Its clauses are (document, key, SQLite JSON path or NULL), all bound, so statements holding
    it are cached like any other.
    """

    inherit_cache = True

    def __init__(self, document: ColumnElement[Any], key: str) -> None:
        # SQLite's JSON path cannot quote a key holding '"': those go through json_each.
        path = null() if '"' in key else literal('$."' + key + '"', Text)
        super().__init__(document, literal(key, Text), path)


class PropertyType(_Property):
    """The JSON type name of the property ('null' for JSON null); NULL when absent."""

    inherit_cache = True
    type = Text()


class _TypedProperty(_Property):
    """The property as one kind; NULL when absent or of another type."""

    inherit_cache = True
    kind: ClassVar[Kind]


class _StringProperty(_TypedProperty):
    inherit_cache = True
    kind = Kind.STRING
    type = Text()


class _NumberProperty(_TypedProperty):
    inherit_cache = True
    kind = Kind.NUMBER
    type = Float()


class _BooleanProperty(_TypedProperty):
    inherit_cache = True
    kind = Kind.BOOLEAN
    type = Boolean()


_PROPERTY_CLASSES = {cls.kind: cls for cls in (_StringProperty, _NumberProperty, _BooleanProperty)}


def property_value(document: ColumnElement[Any], key: str, kind: Kind) -> ColumnElement[Any]:
    """The property `key` of `document` as a JSON string, number or boolean (else NULL)."""
    return _PROPERTY_CLASSES[kind](document, key)


class Position(FunctionElement[Any]):
    """1-based position of the second text in the first, 0 when absent (no LIKE wildcards)."""

    inherit_cache = True
    type = BigInteger()


class Binary(FunctionElement[Any]):
    """Text in code point order (PostgreSQL's default collation may sort by locale)."""

    inherit_cache = True
    type = Text()


class ScalarJson(FunctionElement[Any]):
    """The JSON of whichever of (string, number, boolean) is not NULL."""

    inherit_cache = True
    type = JSON()


def _sql_strings(*words: str) -> list[ColumnElement[str]]:
    # Constants inline in the SQL: bound only at compile time, they would sit outside the cache key.
    return [literal_column(f"'{word}'") for word in words]


_SQLITE_TYPES = {
    Kind.STRING: _sql_strings("text"),
    Kind.NUMBER: _sql_strings("integer", "real"),
    Kind.BOOLEAN: _sql_strings("true", "false"),
}


def _sqlite_lookup(element: _Property, function: str) -> ColumnElement[Any]:
    document, key, path = element.clauses
    if not isinstance(path, Null):
        return getattr(func, function)(document, path)
    each = func.json_each(document).table_valued("key", "value", "type")
    column = each.c.type if function == "json_type" else each.c.value
    return select(column).where(each.c.key == key).scalar_subquery()


@compiles(_TypedProperty, "sqlite")
def _value_sqlite(element: _TypedProperty, compiler: SQLCompiler, **kw: Any) -> str:
    kind = _sqlite_lookup(element, "json_type")
    value = _sqlite_lookup(element, "json_extract")
    chosen = case((kind.in_(_SQLITE_TYPES[element.kind]), value), else_=null())
    return compiler.process(chosen, **kw)


@compiles(PropertyType, "sqlite")
def _type_sqlite(element: PropertyType, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(_sqlite_lookup(element, "json_type"), **kw)


_PG_TYPES = {
    Kind.STRING: _sql_strings("string")[0],
    Kind.NUMBER: _sql_strings("number")[0],
    Kind.BOOLEAN: _sql_strings("boolean")[0],
}


@compiles(_TypedProperty, "postgresql")
def _value_pg(element: _TypedProperty, compiler: SQLCompiler, **kw: Any) -> str:
    document, key, _ = element.clauses
    kind = func.jsonb_typeof(document.op("->")(key))
    text = document.op("->>")(key)
    value = text if element.kind is Kind.STRING else cast(text, element.type)
    # CASE, not AND: PostgreSQL may evaluate the cast before a type test beside it.
    chosen = case((kind == _PG_TYPES[element.kind], value), else_=null())
    return compiler.process(chosen, **kw)


@compiles(PropertyType, "postgresql")
def _type_pg(element: PropertyType, compiler: SQLCompiler, **kw: Any) -> str:
    document, key, _ = element.clauses
    return compiler.process(func.jsonb_typeof(document.op("->")(key)), **kw)


@compiles(Position, "sqlite")
def _position_sqlite(element: Position, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(func.instr(*element.clauses), **kw)


@compiles(Position, "postgresql")
def _position_pg(element: Position, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(func.strpos(*element.clauses), **kw)


@compiles(Binary, "sqlite")
def _binary_sqlite(element: Binary, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = element.clauses
    return compiler.process(text, **kw)  # BINARY is SQLite's default


@compiles(Binary, "postgresql")
def _binary_pg(element: Binary, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = element.clauses
    return compiler.process(text.collate("C"), **kw)


@compiles(ScalarJson, "sqlite")
def _scalar_json_sqlite(element: ScalarJson, compiler: SQLCompiler, **kw: Any) -> str:
    text, number, flag = element.clauses
    true_, false_ = _sql_strings("true", "false")
    # CASE, not COALESCE: json_quote(NULL) is the text 'null'.
    chosen = case(
        (text.is_not(None), func.json_quote(text)),
        (number.is_not(None), func.json_quote(number)),
        (flag == literal_column("1"), true_),
        (flag == literal_column("0"), false_),
    )
    return compiler.process(chosen, **kw)


@compiles(ScalarJson, "postgresql")
def _scalar_json_pg(element: ScalarJson, compiler: SQLCompiler, **kw: Any) -> str:
    chosen = func.coalesce(*(func.to_jsonb(clause) for clause in element.clauses))
    return compiler.process(chosen, **kw)
