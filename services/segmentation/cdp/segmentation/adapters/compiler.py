"""Compiles a condition tree to one SQL boolean over seg_profiles.id (SQLite and PostgreSQL 15).

Use it as `select(orm.profiles.c.id).where(matches(node, scope))`. Every predicate becomes a set
membership test, `id IN (uncorrelated subquery)` or `NOT IN`, so the database evaluates each
subquery once for everyone; the tests are never NULL, so NOT / AND / OR are plain SQL. The real-time
path passes `Scope.profile_ids` and runs the same SQL restricted to those profiles.

Semantics (pinned by tests/integration/segmentation/test_condition_conformance.py):
- Typed comparison: the literal's type picks the column. string -> str_value, number -> num_value,
  bool -> bool_value, timestamp -> ts_value (strings that read as ISO-8601 instants, see
  domain/typed.py). A value of another type never matches: the string "5" is not the number 5, and
  `!=` needs a value of the literal's type too. Instants compare whatever offset they were
  written with. Strings order by code point (COLLATE "C" on PostgreSQL); false < true.
- A missing trait or a JSON null: every comparison is false, `!=` included. `exists` = present and
  not null (a personal trait, which arrives without its value, is present when its row exists);
  `is null` = not exists.
- `in [...]` may mix types and matches when equal to any. `contains` / `starts_with` take a string,
  are case-sensitive and use instr/strpos/substr, so "%" and "_" match only themselves.
- Event selectors: the name is equal; `within` keeps now - within <= time <= now (inclusive; future
  events are not "in the last 30 days"); `after` keeps time >= after, `before` time < before.
- Event filters test properties.<key> (top level) with the same typed rules on the JSON type
  (string, number, boolean). JSON has no instants: a timestamp never matches a property.
- Aggregates use, per selected event, the property's value when it is a string, number or boolean
  (null, lists and objects are skipped like a missing property). count() counts events,
  count(properties.x) events with such a value; sum/avg add numbers; min/max range over values of
  the literal's type; first/last are the value on the earliest/latest event that has one (ties:
  lowest/highest seg_events.id); most_frequent is the value on most events (ties: the smallest,
  booleans < numbers < strings, then by value); unique_count counts distinct values (1 == 1.0).
  count/sum/unique_count over no events are 0 (so `count(...) < 2` matches people without such
  events, compiled as NOT IN the profiles that fail); the others are then missing: comparisons
  false, `is null` true.
- consent("p") is eligible("p"): a granted consent row for p and no seg_blocked row.
  segment("x") is a seg_members row for x that is not excluded.
- computed.key compiles the computed trait's aggregate (Scope.computed) inline.
Problems a parser can let through (a property outside an event filter, an unknown computed trait)
raise ConditionError, an InvalidArgument.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true
from sqlalchemy import exists as sql_exists

from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.compiler_events import aggregate_matches, aggregate_values, exists
from cdp.segmentation.adapters.compiler_sql import Scope
from cdp.segmentation.adapters.compiler_typed import typed_condition
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.errors import ConditionError, quote
from cdp.segmentation.domain.typed import Kind

__all__ = ["Scope", "aggregate_values", "eligible", "matches"]

_ID = orm.profiles.c.id
_traits = orm.traits
_TRAIT_COLUMNS = {
    Kind.STRING: _traits.c.str_value,
    Kind.NUMBER: _traits.c.num_value,
    Kind.BOOLEAN: _traits.c.bool_value,
    Kind.TIMESTAMP: _traits.c.ts_value,
}


def matches(node: ast.Node, scope: Scope) -> ColumnElement[bool]:
    """Whether the profile `orm.profiles.c.id` satisfies `node`."""
    test = _node(node, scope)
    return test if scope.profile_ids is None else and_(*scope.restrict(_ID), test)


def eligible(purpose: str, scope: Scope | None = None) -> ColumnElement[bool]:
    """Granted consent for `purpose` and neither restricted nor being erased.

    Correlated EXISTS, unlike the membership tests: consent rows cover most people, and probing
    the (profile, purpose) key per candidate beats materialising a set of nearly everyone.
    `scope` is accepted for symmetry; the probes are per profile already.
    """
    # Aliases: a caller may join seg_blocked itself, which would swallow an unaliased probe.
    c, b = orm.consent.alias("eligible_consent"), orm.blocked.alias("eligible_blocked")
    granted = sql_exists().where(
        c.c.profile_id == _ID, c.c.purpose == purpose, c.c.granted == true()
    )
    blocked = sql_exists().where(b.c.profile_id == _ID)
    return and_(granted, not_(blocked))


def _node(node: ast.Node, scope: Scope) -> ColumnElement[bool]:
    if isinstance(node, ast.And):
        return and_(*(_node(item, scope) for item in node.items))
    if isinstance(node, ast.Or):
        return or_(*(_node(item, scope) for item in node.items))
    if isinstance(node, ast.Not):
        return not_(_node(node.item, scope))
    if isinstance(node, ast.Compare):
        return _compare(node, scope)
    if isinstance(node, ast.EventExists):
        return exists(node.selector, scope)
    if isinstance(node, ast.Consent):
        return eligible(node.purpose, scope)
    if isinstance(node, ast.InSegment):
        return _in_segment(node.segment, scope)
    raise ConditionError(f"not a condition: {type(node).__name__}", node.position)


def _compare(node: ast.Compare, scope: Scope) -> ColumnElement[bool]:
    operand = node.operand
    if isinstance(operand, ast.TraitRef):
        return _trait(operand.key, node.op, node.values, scope)
    if isinstance(operand, ast.ComputedRef):
        return aggregate_matches(_computed(operand, scope), node.op, node.values, scope)
    if isinstance(operand, ast.Aggregate):
        return aggregate_matches(operand, node.op, node.values, scope)
    raise ConditionError("properties.<key> is only allowed inside event(...)", node.position)


def _computed(ref: ast.ComputedRef, scope: Scope) -> ast.Aggregate:
    aggregate = scope.computed.get(ref.key)
    if aggregate is None:
        raise ConditionError(f"no computed trait has the key {quote(ref.key)}", ref.position)
    return aggregate


def _trait(key: str, op: ast.Op, values: Any, scope: Scope) -> ColumnElement[bool]:
    rows = select(_traits.c.profile_id).where(
        _traits.c.key == key, *scope.restrict(_traits.c.profile_id)
    )
    if op in (ast.Op.EXISTS, ast.Op.IS_NULL):
        # A personal trait arrives without its value; a non-personal one is present unless null.
        known = and_(_traits.c.value_json.is_not(None), _traits.c.value_json != "null")
        present = _ID.in_(rows.where(or_(_traits.c.personal == true(), known)))
        return present if op is ast.Op.EXISTS else not_(present)
    test = typed_condition(_TRAIT_COLUMNS, op, values)
    return false() if test is None else _ID.in_(rows.where(test))


def _in_segment(segment_id: str, scope: Scope) -> ColumnElement[bool]:
    members = orm.members
    rows = select(members.c.profile_id).where(
        members.c.segment_id == segment_id,
        members.c.excluded == false(),
        *scope.restrict(members.c.profile_id),
    )
    return _ID.in_(rows)
