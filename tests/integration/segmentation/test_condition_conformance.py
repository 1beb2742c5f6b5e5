"""The condition language's semantics as a table: one row per case, run on SQLite and PostgreSQL.

Each row is checked three ways: the compiled SQL over all profiles, the same SQL restricted to
each half of the profiles (the real-time path), and the Python reference evaluator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from cdp.segmentation.adapters.compiler import Scope
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate
from tests.integration.segmentation.worlds import (
    AGGREGATES,
    CONSENT,
    HAS_V,
    NOW,
    PROPERTIES,
    SEGMENTS,
    TEXT,
    TIMES,
    TYPES,
    WINDOWS,
    at,
)
from tests.support.reference_eval import World, evaluate


@dataclass(frozen=True)
class Case:
    description: str
    world: World
    condition: str
    expected: frozenset[str]
    computed: Mapping[str, str] = field(default_factory=dict)


def case(description: str, world: World, condition: str, *expected: str, **computed: str) -> Case:
    return Case(description, world, condition, frozenset(expected), computed)


def everyone(world: World, *but: str) -> tuple[str, ...]:
    return tuple(profile for profile in world.profiles if profile not in but)


T = 'timestamp("2025-12-31T23:00:00Z")'
ORDERS = 'event("order")'

CASES = [
    # Typed comparison: the literal's type picks the column; other types never match.
    case("string == matches the equal string", TYPES, 'traits.v == "pro"', "s_pro"),
    case("string '5' is not the number 5", TYPES, 'traits.v == "5"', "s_5"),
    case("number == matches ints and floats", TYPES, "traits.v == 5", "n_5", "n_5f"),
    case("bool == true", TYPES, "traits.v == true", "b_t"),
    case("bool == false", TYPES, "traits.v == false", "b_f"),
    case("string != needs another string", TYPES, 'traits.v != "pro"', "s_5"),
    case("number != needs another number", TYPES, "traits.v != 5", "n_7"),
    case("bool != needs another bool", TYPES, "traits.v != true", "b_f"),
    case("number >", TYPES, "traits.v > 5", "n_7"),
    case("number >=", TYPES, "traits.v >= 5", "n_5", "n_5f", "n_7"),
    case("number <", TYPES, "traits.v < 7.5", "n_5", "n_5f"),
    case("number <=", TYPES, "traits.v <= 5", "n_5", "n_5f"),
    case("bool > false", TYPES, "traits.v > false", "b_t"),
    case("bool < true", TYPES, "traits.v < true", "b_f"),
    case("string > orders strings only", TYPES, 'traits.v > "5"', "s_pro"),
    case("timestamp literal never matches non-instants", TYPES, f"traits.v == {T}"),
    # Missing and null.
    case("exists: present and not null, personal included", TYPES, "traits.v exists", *HAS_V),
    case("is null: null or missing", TYPES, "traits.v is null", "null", "nobody"),
    case("is not null equals exists", TYPES, "traits.v is not null", *HAS_V),
    case("!= on a missing trait is false", TYPES, 'traits.nothing != "x"'),
    case("== on a missing trait is false", TYPES, 'traits.nothing == "x"'),
    case("not == includes missing and null", TYPES, 'not traits.v == "pro"', *everyone(TYPES, "s_pro")),
    # in, contains, starts_with.
    case("in mixes types", TYPES, 'traits.v in ["pro", 5, true]', "s_pro", "n_5", "n_5f", "b_t"),
    case("in keeps types apart", TYPES, 'traits.v in ["5"]', "s_5"),
    case("in an empty list", TYPES, "traits.v in []"),
    case("contains a number never matches", TYPES, "traits.v contains 5"),
    case("contains a string", TYPES, 'traits.v contains "r"', "s_pro"),
    case("contains % is literal", TEXT, 'traits.t contains "%"', "pct"),
    case("contains 0% is literal", TEXT, 'traits.t contains "0%"', "pct"),
    case("contains _ is literal", TEXT, 'traits.t contains "_"', "under"),
    case("starts_with a_ is literal", TEXT, 'traits.t starts_with "a_"', "under"),
    case("starts_with 100% is literal", TEXT, 'traits.t starts_with "100%"', "pct"),
    case("contains is case-sensitive", TEXT, 'traits.t contains "App"', "upper"),
    case("contains in the middle", TEXT, 'traits.t contains "pp"', "upper", "lower"),
    case("starts_with a", TEXT, 'traits.t starts_with "a"', "under", "axb", "lower", "a"),
    case("contains the empty string", TEXT, 'traits.t contains ""', *everyone(TEXT, "nobody")),
    case("strings order by code point", TEXT, 'traits.t < "a"', "pct", "p100", "upper", "big_b", "empty"),
    case("string >", TEXT, 'traits.t > "apple"', "axb"),
    case("string == is exact", TEXT, 'traits.t == "apple"', "lower"),
    # Instants.
    case("instants equal across offsets", TIMES, f"traits.since == {T}", "plus7", "z", "naive"),
    case("one microsecond later", TIMES, f"traits.since > {T}", "later"),
    case("a date is its 00:00 UTC", TIMES, f"traits.since < {T}", "day"),
    case("date literal", TIMES, 'traits.since == date("2025-12-31")', "day"),
    case("a date string is still a string", TIMES, 'traits.since == "2025-12-31"', "day"),
    case(
        "literal with an offset",
        TIMES,
        'traits.since >= timestamp("2026-01-01T06:00:00+07:00")',
        *("plus7", "z", "naive", "later"),
    ),
    case("instant != needs an instant", TIMES, f"traits.since != {T}", "day", "later"),
    case("a number is not an instant", TIMES, f"traits.since == {at('2025-12-31T23:00:00Z')}", "number"),
    # Event windows.
    case("any time", WINDOWS, 'event("buy").exists()', "edge", "early", "now", "future"),
    case("within includes now-30d and now", WINDOWS, 'event("buy").exists(within = 30d)', "edge", "now"),
    case(
        "not within",
        WINDOWS,
        'not event("buy").exists(within = 30d)',
        *("early", "future", "viewer", "nobody"),
    ),
    case(
        "after is inclusive",
        WINDOWS,
        'event("buy").exists(after = timestamp("2026-01-30T00:00:00Z"))',
        *("edge", "now", "future"),
    ),
    case(
        "before is exclusive",
        WINDOWS,
        'event("buy").exists(before = timestamp("2026-03-01T00:00:00Z"))',
        *("edge", "early"),
    ),
    case(
        "between is half-open",
        WINDOWS,
        'event("buy").exists(between = [date("2026-01-30"), date("2026-03-01")])',
        "edge",
    ),
    case("within 1d edge", WINDOWS, 'event("view").exists(within = 1d)', "viewer"),
    case("event names are case-sensitive", WINDOWS, 'event("Buy").exists()'),
    case(
        "count over no events in the window is 0",
        WINDOWS,
        'event("buy").count(within = 30d) < 1',
        *("early", "future", "viewer", "nobody"),
    ),
    # Property filters.
    case("property == number", PROPERTIES, 'event("order", properties.total == 50).exists()', "dear", "float"),
    case("property == string", PROPERTIES, 'event("order", properties.total == "50").exists()', "text"),
    case(
        "property >=", PROPERTIES, 'event("order", properties.total >= 5).exists()', "cheap", "dear", "float"
    ),
    case("property != needs a number", PROPERTIES, 'event("order", properties.total != 50).exists()', "cheap"),
    case(
        "not in a filter includes missing and null",
        PROPERTIES,
        'event("order", not properties.total == 50).exists()',
        *("cheap", "text", "nulls", "nested"),
    ),
    case("property bool", PROPERTIES, 'event("order", properties.gift == true).exists()', "dear"),
    case(
        "property exists (false, lists count)",
        PROPERTIES,
        'event("order", properties.gift exists).exists()',
        *("dear", "nulls", "nested"),
    ),
    case("property is null (JSON null)", PROPERTIES, 'event("order", properties.total is null).exists()', "nulls"),
    case(
        "property is null (missing)",
        PROPERTIES,
        'event("order", properties.gift is null).exists()',
        *("cheap", "text", "float"),
    ),
    case("property contains %", PROPERTIES, 'event("order", properties.sku contains "%").exists()', "cheap"),
    case("property contains _", PROPERTIES, 'event("order", properties.sku contains "_").exists()', "dear"),
    case("property starts_with b_", PROPERTIES, 'event("order", properties.sku starts_with "b_").exists()', "dear"),
    case("property in mixes types", PROPERTIES, 'event("order", properties.sku in ["B", 5]).exists()', "float"),
    case(
        "property in keeps types apart",
        PROPERTIES,
        'event("order", properties.total in ["50", 5]).exists()',
        *("cheap", "text"),
    ),
    case(
        "filter or",
        PROPERTIES,
        'event("order", properties.sku == "a%" or properties.gift == false).exists()',
        *("cheap", "nulls"),
    ),
    case(
        "filter and",
        PROPERTIES,
        'event("order", properties.total > 1 and properties.sku exists).exists()',
        *("cheap", "dear", "float"),
    ),
    case("no instants in properties", PROPERTIES, f'event("order", properties.total == {T}).exists()'),
    case(
        "key holding a quote", PROPERTIES, 'event("order", properties["say \\"hi\\""] == "yes").exists()', "cheap"
    ),
    case("key holding a dot is one key", PROPERTIES, 'event("order", properties["a.b"] == 1).exists()', "dear"),
    case("the filter applies to its event name", PROPERTIES, 'event("refund", properties.total == 50).exists()', "other"),
    # Aggregates.
    case("count ==", AGGREGATES, f"{ORDERS}.count() == 2", "two", "tie"),
    case("count < 2 includes no events", AGGREGATES, f"{ORDERS}.count() < 2", "one", "text", "old", "nobody"),
    case("count in a window == 0", AGGREGATES, f"{ORDERS}.count(within = 30d) == 0", "old", "nobody"),
    case("count != 1", AGGREGATES, f"{ORDERS}.count() != 1", "two", "tie", "freq", "mixed", "nobody"),
    case("count in [0, 3]", AGGREGATES, f"{ORDERS}.count() in [0, 3]", "freq", "mixed", "nobody"),
    case("count against a string never matches", AGGREGATES, f'{ORDERS}.count() > "1"'),
    case("count always exists", AGGREGATES, f"{ORDERS}.count() exists", *AGGREGATES.profiles),
    case("count is never null", AGGREGATES, f"{ORDERS}.count() is null"),
    case("sum ==", AGGREGATES, f"{ORDERS}.sum(properties.total) == 30", "two"),
    case(
        "sum skips non-numbers; no events is 0",
        AGGREGATES,
        f"{ORDERS}.sum(properties.total) == 0",
        *("text", "mixed", "nobody"),
    ),
    case(
        "sum <",
        AGGREGATES,
        f"{ORDERS}.sum(properties.total) < 5",
        *("text", "tie", "freq", "mixed", "nobody"),
    ),
    case("avg ==", AGGREGATES, f"{ORDERS}.avg(properties.total) == 15", "two"),
    case("avg <", AGGREGATES, f"{ORDERS}.avg(properties.total) < 100", "two", "one", "tie", "freq"),
    case("avg of nothing is null", AGGREGATES, f"{ORDERS}.avg(properties.total) is null", "text", "mixed", "nobody"),
    case("min number", AGGREGATES, f"{ORDERS}.min(properties.total) == 10", "two"),
    case("max number", AGGREGATES, f"{ORDERS}.max(properties.total) >= 20", "two", "old"),
    case("min of nothing is null", AGGREGATES, f"{ORDERS}.min(properties.total) is null", "mixed", "nobody"),
    case("min string", AGGREGATES, f'{ORDERS}.min(properties.sku) == "a"', "tie", "freq"),
    case("max string", AGGREGATES, f'{ORDERS}.max(properties.sku) == "2"', "mixed"),
    case("max over numbers only", AGGREGATES, f"{ORDERS}.max(properties.sku) == 5", "text"),
    case("max over booleans", AGGREGATES, f"{ORDERS}.max(properties.sku) == true", "mixed"),
    case("max string >", AGGREGATES, f'{ORDERS}.max(properties.sku) > "x"', "two", "freq"),
    case("first: ties go to the lowest id", AGGREGATES, f"{ORDERS}.first(properties.total) == 3", "tie"),
    case("last: ties go to the highest id", AGGREGATES, f"{ORDERS}.last(properties.total) == 1", "tie", "freq"),
    case("first string", AGGREGATES, f'{ORDERS}.first(properties.sku) == "x"', "two", "one"),
    case("last string", AGGREGATES, f'{ORDERS}.last(properties.sku) == "y"', "two"),
    case("last keeps its type", AGGREGATES, f'{ORDERS}.last(properties.total) == "12"', "text"),
    case("first bool", AGGREGATES, f"{ORDERS}.first(properties.sku) == true", "mixed"),
    case(
        "most_frequent: ties to the smallest string",
        AGGREGATES,
        f'{ORDERS}.most_frequent(properties.sku) == "x"',
        *("two", "one"),
    ),
    case("most_frequent", AGGREGATES, f'{ORDERS}.most_frequent(properties.sku) == "z"', "freq"),
    case("most_frequent tie a/b", AGGREGATES, f'{ORDERS}.most_frequent(properties.sku) == "a"', "tie"),
    case(
        "most_frequent: booleans sort first", AGGREGATES, f"{ORDERS}.most_frequent(properties.sku) == true", "mixed"
    ),
    case("most_frequent of nothing is null", AGGREGATES, f"{ORDERS}.most_frequent(properties.sku) is null", "old", "nobody"),
    case(
        "unique_count: 1 and 1.0 are one value",
        AGGREGATES,
        f"{ORDERS}.unique_count(properties.total) == 1",
        *("one", "text", "freq", "old"),
    ),
    case("unique_count: true, 2, '2' differ", AGGREGATES, f"{ORDERS}.unique_count(properties.sku) == 3", "mixed"),
    case("unique_count of nothing is 0", AGGREGATES, f"{ORDERS}.unique_count(properties.sku) < 1", "old", "nobody"),
    case(
        "aggregate with filter and window",
        AGGREGATES,
        'event("order", properties.total > 5).count(within = 30d) == 1',
        "one",
    ),
    case("aggregate picks its event name", AGGREGATES, 'event("refund").sum(properties.total) == 1000', "two"),
    case(
        "computed trait",
        AGGREGATES,
        "computed.orders > 1",
        *("two", "tie", "freq", "mixed"),
        orders=f"{ORDERS}.count()",
    ),
    case("computed count over no events", AGGREGATES, "computed.orders < 1", "nobody", orders=f"{ORDERS}.count()"),
    case(
        "computed sum",
        AGGREGATES,
        "computed.spent >= 30",
        "two",
        "old",
        spent=f"{ORDERS}.sum(properties.total)",
    ),
    # Boolean structure.
    case("or", TYPES, 'traits.v == "pro" or traits.v == 5', "s_pro", "n_5", "n_5f"),
    case(
        "and not",
        TYPES,
        "traits.v exists and not traits.v == 5",
        *(HAS_V - {"n_5", "n_5f"}),
    ),
    case("not not", TYPES, 'not not traits.v == "pro"', "s_pro"),
    # Consent and segments.
    case("consent: granted and not blocked", CONSENT, 'consent("email")', "granted"),
    case(
        "not consent",
        CONSENT,
        'not consent("email")',
        *everyone(CONSENT, "granted"),
    ),
    case("consent is per purpose", CONSENT, 'consent("sms")', "sms_only"),
    case("segment: members not excluded", SEGMENTS, 'segment("vip")', "member"),
    case("not segment", SEGMENTS, 'not segment("vip")', "excluded", "elsewhere", "nobody"),
    case("unknown segment", SEGMENTS, 'segment("none")'),
]


@pytest.mark.parametrize("row", CASES, ids=[row.description for row in CASES])
def test_condition_conformance(read_model, row: Case) -> None:
    tree = parse(row.condition)
    computed = {key: parse_aggregate(text) for key, text in row.computed.items()}
    read_model.load(row.world)

    everybody = read_model.members(tree, Scope(now=NOW, computed=computed))
    halves = [row.world.profiles[::2], row.world.profiles[1::2]]
    restricted = [
        read_model.members(tree, Scope(now=NOW, profile_ids=half, computed=computed))
        for half in halves
    ]

    assert everybody == row.expected
    assert restricted == [row.expected & set(half) for half in halves]
    assert evaluate(tree, row.world, NOW, computed) == row.expected
