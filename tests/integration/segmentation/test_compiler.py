"""The compiler's edges beyond the conformance table: errors, stored shapes, values, caching."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from cdp.errors import InvalidArgument
from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.compiler import Scope, eligible, matches
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate
from cdp.segmentation.domain.typed import Kind, typed_columns
from tests.integration.segmentation.worlds import AGGREGATES, CONSENT, NOW, PROPERTIES, at
from tests.support.reference_eval import World


def test_a_property_outside_an_event_filter_is_invalid() -> None:
    stray = ast.Compare(ast.PropertyRef("total"), ast.Op.EQ, (1,))

    with pytest.raises(InvalidArgument) as raised:
        matches(stray, Scope(now=NOW))

    assert raised.value.reason == "INVALID_CONDITION"


def test_an_unknown_computed_trait_is_invalid() -> None:
    with pytest.raises(InvalidArgument) as raised:
        matches(parse("computed.orders > 1"), Scope(now=NOW, computed={}))

    assert raised.value.field == "condition"


def test_a_trait_row_without_json_is_missing(read_model) -> None:
    read_model.load(World(profiles=["cleared", "set"]))
    with read_model.engine.begin() as conn:
        conn.execute(insert(orm.traits), [_row("cleared", None), _row("set", "pro")])

    present = read_model.members(parse("traits.plan exists"), Scope(now=NOW))
    unequal = read_model.members(parse('traits.plan != "x"'), Scope(now=NOW))

    assert present == unequal == {"set"}


def _row(profile: str, value: object) -> dict[str, object]:
    # As the read model stores a JSON null: no value_json at all.
    columns = typed_columns(value) | ({"value_json": None} if value is None else {})
    return {"profile_id": profile, "key": "plan", "personal": False, "subject_id": "s", **columns}


def test_eligible_alone_is_granted_and_not_blocked(read_model) -> None:
    read_model.load(CONSENT)

    with read_model.engine.connect() as conn:
        found = set(conn.execute(select(orm.profiles.c.id).where(eligible("email"))).scalars())

    assert found == {"granted"}


def test_aggregate_values_give_numbers_and_json_values(read_model) -> None:
    read_model.load(AGGREGATES)
    scope = Scope(now=NOW)

    counts = read_model.values(parse_aggregate('event("order").count()'), scope)
    firsts = read_model.values(parse_aggregate('event("order").first(properties.sku)'), scope)
    averages = read_model.values(parse_aggregate('event("order").avg(properties.total)'), scope)

    assert counts == {"two": 2, "one": 1, "text": 1, "tie": 2, "freq": 3, "mixed": 3, "old": 1}
    assert firsts == {"two": "x", "one": "x", "text": 5, "tie": "b", "freq": "z", "mixed": True}
    assert averages == {"two": 15, "one": 7, "tie": 2, "freq": 1, "old": 100}


def test_min_and_max_values_range_over_the_kind_asked(read_model) -> None:
    read_model.load(AGGREGATES)
    highest = parse_aggregate('event("order").max(properties.sku)')

    strings = read_model.values(highest, Scope(now=NOW), Kind.STRING)
    flags = read_model.values(highest, Scope(now=NOW), Kind.BOOLEAN)

    assert strings == {"two": "y", "one": "x", "tie": "b", "freq": "z", "mixed": "2"}
    assert flags == {"mixed": True}


def test_statements_differing_only_in_property_keys_do_not_share_sql(read_model) -> None:
    read_model.load(PROPERTIES)
    quoted = parse('event("order", properties["say \\"hi\\""] exists).exists()')
    plain = parse('event("order", properties.gift exists).exists()')

    answers = [read_model.members(tree, Scope(now=NOW)) for tree in (quoted, plain, quoted)]

    assert answers == [{"cheap"}, {"dear", "nulls", "nested"}, {"cheap"}]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "2026-01-01T06:00:00+07:00",
            {"str_value": "2026-01-01T06:00:00+07:00", "ts_value": at("2025-12-31T23:00:00Z")},
        ),
        (
            "2025-12-31T23:00:00",
            {"str_value": "2025-12-31T23:00:00", "ts_value": at("2025-12-31T23:00:00Z")},
        ),
        ("2025-12-31", {"str_value": "2025-12-31", "ts_value": at("2025-12-31T00:00:00Z")}),
        ("20251231", {"str_value": "20251231"}),
        ("soon", {"str_value": "soon"}),
        (5, {"num_value": 5.0}),
        (2.5, {"num_value": 2.5}),
        (True, {"bool_value": True}),
        (None, {}),
        ([1], {}),
        ({"a": 1}, {}),
        (float("nan"), {}),
    ],
)
def test_typed_columns_fill_the_column_of_each_type(value: object, expected: dict) -> None:
    columns = typed_columns(value)

    typed = {
        name: columns[name]
        for name in columns
        if name != "value_json" and columns[name] is not None
    }
    assert typed == expected


def test_value_json_is_compact_and_spells_nan_as_null() -> None:
    assert typed_columns({"b": 1, "a": [1, "é"]})["value_json"] == '{"a":[1,"é"],"b":1}'
    assert typed_columns(float("nan"))["value_json"] == "null"
