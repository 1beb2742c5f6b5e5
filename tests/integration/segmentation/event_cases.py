"""Conformance rows for events: windows, property filters and aggregates."""

from __future__ import annotations

from tests.integration.segmentation.worlds import AGGREGATES, PROPERTIES, WINDOWS, case

T = 'timestamp("2025-12-31T23:00:00Z")'
BUY = 'event("buy")'
ORDERS = 'event("order")'


def order(where: str) -> str:
    """event("order", <where>).exists()"""
    return f'event("order", {where}).exists()'


WINDOW_CASES = [
    case("any time", WINDOWS, f"{BUY}.exists()", "edge early now future"),
    case("within includes now-30d and now", WINDOWS, f"{BUY}.exists(within = 30d)", "edge now"),
    case("not within", WINDOWS, f"not {BUY}.exists(within = 30d)", "early future viewer nobody"),
    case(
        "after is inclusive",
        WINDOWS,
        f'{BUY}.exists(after = timestamp("2026-01-30T00:00:00Z"))',
        "edge now future",
    ),
    case(
        "before is exclusive",
        WINDOWS,
        f'{BUY}.exists(before = timestamp("2026-03-01T00:00:00Z"))',
        "edge early",
    ),
    case(
        "between is half-open",
        WINDOWS,
        f'{BUY}.exists(between = [date("2026-01-30"), date("2026-03-01")])',
        "edge",
    ),
    case("within 1d edge", WINDOWS, 'event("view").exists(within = 1d)', "viewer"),
    case("event names are case-sensitive", WINDOWS, 'event("Buy").exists()'),
    case(
        "count over no events in the window is 0",
        WINDOWS,
        f"{BUY}.count(within = 30d) < 1",
        "early future viewer nobody",
    ),
]

PROPERTY_CASES = [
    case("property == number", PROPERTIES, order("properties.total == 50"), "dear float"),
    case("property == string", PROPERTIES, order('properties.total == "50"'), "text"),
    case("property >=", PROPERTIES, order("properties.total >= 5"), "cheap dear float"),
    case("property != needs a number", PROPERTIES, order("properties.total != 50"), "cheap"),
    case(
        "not in a filter includes missing and null",
        PROPERTIES,
        order("not properties.total == 50"),
        "cheap text nulls nested",
    ),
    case("property bool", PROPERTIES, order("properties.gift == true"), "dear"),
    case(
        "property exists: false counts",
        PROPERTIES,
        order("properties.gift exists"),
        "dear nulls nested",
    ),
    case("property is null: JSON null", PROPERTIES, order("properties.total is null"), "nulls"),
    case(
        "property is null: missing",
        PROPERTIES,
        order("properties.gift is null"),
        "cheap text float",
    ),
    case("property contains %", PROPERTIES, order('properties.sku contains "%"'), "cheap"),
    case("property contains _", PROPERTIES, order('properties.sku contains "_"'), "dear"),
    case("property starts_with b_", PROPERTIES, order('properties.sku starts_with "b_"'), "dear"),
    case("property in mixes types", PROPERTIES, order('properties.sku in ["B", 5]'), "float"),
    case(
        "property in keeps types apart",
        PROPERTIES,
        order('properties.total in ["50", 5]'),
        "cheap text",
    ),
    case(
        "filter or",
        PROPERTIES,
        order('properties.sku == "a%" or properties.gift == false'),
        "cheap nulls",
    ),
    case(
        "filter and",
        PROPERTIES,
        order("properties.total > 1 and properties.sku exists"),
        "cheap dear float",
    ),
    case("no instants in properties", PROPERTIES, order(f"properties.total == {T}")),
    case("key holding a quote", PROPERTIES, order('properties["say \\"hi\\""] == "yes"'), "cheap"),
    case("key holding a dot is one key", PROPERTIES, order('properties["a.b"] == 1'), "dear"),
    case(
        "the filter applies to its event name",
        PROPERTIES,
        'event("refund", properties.total == 50).exists()',
        "other",
    ),
]

AGGREGATE_CASES = [
    case("count ==", AGGREGATES, f"{ORDERS}.count() == 2", "two tie"),
    case(
        "count < 2 includes no events", AGGREGATES, f"{ORDERS}.count() < 2", "one text old nobody"
    ),
    case("count in a window == 0", AGGREGATES, f"{ORDERS}.count(within = 30d) == 0", "old nobody"),
    case("count != 1", AGGREGATES, f"{ORDERS}.count() != 1", "two tie freq mixed nobody"),
    case("count in [0, 3]", AGGREGATES, f"{ORDERS}.count() in [0, 3]", "freq mixed nobody"),
    case("count against a string never matches", AGGREGATES, f'{ORDERS}.count() > "1"'),
    case("count always exists", AGGREGATES, f"{ORDERS}.count() exists", AGGREGATES.profiles),
    case("count is never null", AGGREGATES, f"{ORDERS}.count() is null"),
    case("sum ==", AGGREGATES, f"{ORDERS}.sum(properties.total) == 30", "two"),
    case(
        "sum skips non-numbers; no events is 0",
        AGGREGATES,
        f"{ORDERS}.sum(properties.total) == 0",
        "text mixed nobody",
    ),
    case("sum <", AGGREGATES, f"{ORDERS}.sum(properties.total) < 5", "text tie freq mixed nobody"),
    case("avg ==", AGGREGATES, f"{ORDERS}.avg(properties.total) == 15", "two"),
    case("avg <", AGGREGATES, f"{ORDERS}.avg(properties.total) < 100", "two one tie freq"),
    case(
        "avg of nothing is null",
        AGGREGATES,
        f"{ORDERS}.avg(properties.total) is null",
        "text mixed nobody",
    ),
    case("min number", AGGREGATES, f"{ORDERS}.min(properties.total) == 10", "two"),
    case("max number", AGGREGATES, f"{ORDERS}.max(properties.total) >= 20", "two old"),
    case(
        "min of nothing is null",
        AGGREGATES,
        f"{ORDERS}.min(properties.total) is null",
        "mixed nobody",
    ),
    case("min string", AGGREGATES, f'{ORDERS}.min(properties.sku) == "a"', "tie freq"),
    case("max string", AGGREGATES, f'{ORDERS}.max(properties.sku) == "2"', "mixed"),
    case("max over numbers only", AGGREGATES, f"{ORDERS}.max(properties.sku) == 5", "text"),
    case("max over booleans", AGGREGATES, f"{ORDERS}.max(properties.sku) == true", "mixed"),
    case("max string >", AGGREGATES, f'{ORDERS}.max(properties.sku) > "x"', "two freq"),
    case(
        "first: ties go to the lowest id",
        AGGREGATES,
        f"{ORDERS}.first(properties.total) == 3",
        "tie",
    ),
    case(
        "last: ties go to the highest id",
        AGGREGATES,
        f"{ORDERS}.last(properties.total) == 1",
        "tie freq",
    ),
    case("first string", AGGREGATES, f'{ORDERS}.first(properties.sku) == "x"', "two one"),
    case("last string", AGGREGATES, f'{ORDERS}.last(properties.sku) == "y"', "two"),
    case("last keeps its type", AGGREGATES, f'{ORDERS}.last(properties.total) == "12"', "text"),
    case("first bool", AGGREGATES, f"{ORDERS}.first(properties.sku) == true", "mixed"),
    case(
        "most_frequent: ties to the smallest string",
        AGGREGATES,
        f'{ORDERS}.most_frequent(properties.sku) == "x"',
        "two one",
    ),
    case("most_frequent", AGGREGATES, f'{ORDERS}.most_frequent(properties.sku) == "z"', "freq"),
    case(
        "most_frequent tie a/b", AGGREGATES, f'{ORDERS}.most_frequent(properties.sku) == "a"', "tie"
    ),
    case(
        "most_frequent: booleans sort first",
        AGGREGATES,
        f"{ORDERS}.most_frequent(properties.sku) == true",
        "mixed",
    ),
    case(
        "most_frequent of nothing is null",
        AGGREGATES,
        f"{ORDERS}.most_frequent(properties.sku) is null",
        "old nobody",
    ),
    case(
        "unique_count: 1 and 1.0 are one value",
        AGGREGATES,
        f"{ORDERS}.unique_count(properties.total) == 1",
        "one text freq old",
    ),
    case(
        "unique_count: true, 2 and '2' differ",
        AGGREGATES,
        f"{ORDERS}.unique_count(properties.sku) == 3",
        "mixed",
    ),
    case(
        "unique_count of nothing is 0",
        AGGREGATES,
        f"{ORDERS}.unique_count(properties.sku) < 1",
        "old nobody",
    ),
    case(
        "aggregate with filter and window",
        AGGREGATES,
        'event("order", properties.total > 5).count(within = 30d) == 1',
        "one",
    ),
    case(
        "aggregate picks its event name",
        AGGREGATES,
        'event("refund").sum(properties.total) == 1000',
        "two",
    ),
    case(
        "computed trait",
        AGGREGATES,
        "computed.orders > 1",
        "two tie freq mixed",
        orders=f"{ORDERS}.count()",
    ),
    case(
        "computed count over no events",
        AGGREGATES,
        "computed.orders < 1",
        "nobody",
        orders=f"{ORDERS}.count()",
    ),
    case(
        "computed sum",
        AGGREGATES,
        "computed.spent >= 30",
        "two old",
        spent=f"{ORDERS}.sum(properties.total)",
    ),
]

EVENT_CASES = [*WINDOW_CASES, *PROPERTY_CASES, *AGGREGATE_CASES]
