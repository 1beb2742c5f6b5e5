"""The condition language's semantics as a table: one row per case, run on SQLite and PostgreSQL.

Each row is checked three ways: the compiled SQL over all profiles, the same SQL restricted to
each half of the profiles (the real-time path), and the Python reference evaluator. Rows about
events live in event_cases.py; the read models in worlds.py.
"""

from __future__ import annotations

import pytest

from cdp.segmentation.adapters.compiler import Scope
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate
from tests.integration.segmentation.event_cases import EVENT_CASES
from tests.integration.segmentation.worlds import (
    CONSENT,
    HAS_V,
    NOW,
    SEGMENTS,
    TEXT,
    TIMES,
    TYPES,
    Case,
    at,
    case,
    everyone,
)
from tests.support.reference_eval import evaluate

T = 'timestamp("2025-12-31T23:00:00Z")'

TRAIT_CASES = [
    # Typed comparison: the literal's type picks the column; other types never match.
    case("string == matches the equal string", TYPES, 'traits.v == "pro"', "s_pro"),
    case("string '5' is not the number 5", TYPES, 'traits.v == "5"', "s_5"),
    case("number == matches ints and floats", TYPES, "traits.v == 5", "n_5 n_5f"),
    case("bool == true", TYPES, "traits.v == true", "b_t"),
    case("bool == false", TYPES, "traits.v == false", "b_f"),
    case("string != needs another string", TYPES, 'traits.v != "pro"', "s_5"),
    case("number != needs another number", TYPES, "traits.v != 5", "n_7"),
    case("bool != needs another bool", TYPES, "traits.v != true", "b_f"),
    case("number >", TYPES, "traits.v > 5", "n_7"),
    case("number >=", TYPES, "traits.v >= 5", "n_5 n_5f n_7"),
    case("number <", TYPES, "traits.v < 7.5", "n_5 n_5f"),
    case("number <=", TYPES, "traits.v <= 5", "n_5 n_5f"),
    case("bool > false", TYPES, "traits.v > false", "b_t"),
    case("bool < true", TYPES, "traits.v < true", "b_f"),
    case("string > orders strings only", TYPES, 'traits.v > "5"', "s_pro"),
    case("timestamp literal never matches non-instants", TYPES, f"traits.v == {T}"),
    # Missing and null.
    case("exists: present and not null, personal too", TYPES, "traits.v exists", HAS_V),
    case("is null: null or missing", TYPES, "traits.v is null", "null nobody"),
    case("is not null equals exists", TYPES, "traits.v is not null", HAS_V),
    case("!= on a missing trait is false", TYPES, 'traits.nothing != "x"'),
    case("== on a missing trait is false", TYPES, 'traits.nothing == "x"'),
    case("not == includes missing", TYPES, 'not traits.v == "pro"', everyone(TYPES, "s_pro")),
    # in, contains, starts_with: wildcards of LIKE match only themselves.
    case("in mixes types", TYPES, 'traits.v in ["pro", 5, true]', "s_pro n_5 n_5f b_t"),
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
    case("contains in the middle", TEXT, 'traits.t contains "pp"', "upper lower"),
    case("starts_with a", TEXT, 'traits.t starts_with "a"', "under axb lower a"),
    case("contains the empty string", TEXT, 'traits.t contains ""', everyone(TEXT, "nobody")),
    case("strings order by code point", TEXT, 'traits.t < "a"', "pct p100 upper big_b empty"),
    case("string >", TEXT, 'traits.t > "apple"', "axb"),
    case("string == is exact", TEXT, 'traits.t == "apple"', "lower"),
    # Instants compare as instants, whatever offset they were written with.
    case("instants equal across offsets", TIMES, f"traits.since == {T}", "plus7 z naive"),
    case("one microsecond later", TIMES, f"traits.since > {T}", "later"),
    case("a date is its 00:00 UTC", TIMES, f"traits.since < {T}", "day"),
    case("date literal", TIMES, 'traits.since == date("2025-12-31")', "day"),
    case("a date string is still a string", TIMES, 'traits.since == "2025-12-31"', "day"),
    case(
        "literal with an offset",
        TIMES,
        'traits.since >= timestamp("2026-01-01T06:00:00+07:00")',
        "plus7 z naive later",
    ),
    case("instant != needs an instant", TIMES, f"traits.since != {T}", "day later"),
    case(
        "a number is not an instant",
        TIMES,
        f"traits.since == {at('2025-12-31T23:00:00Z')}",
        "number",
    ),
    # Boolean structure.
    case("or", TYPES, 'traits.v == "pro" or traits.v == 5', "s_pro n_5 n_5f"),
    case("and not", TYPES, "traits.v exists and not traits.v == 5", HAS_V - {"n_5", "n_5f"}),
    case("not not", TYPES, 'not not traits.v == "pro"', "s_pro"),
]

ELIGIBILITY_CASES = [
    case("consent: granted and not blocked", CONSENT, 'consent("email")', "granted"),
    case("not consent", CONSENT, 'not consent("email")', everyone(CONSENT, "granted")),
    case("consent is per purpose", CONSENT, 'consent("sms")', "sms_only"),
    case("segment: members not excluded", SEGMENTS, 'segment("vip")', "member"),
    case("not segment", SEGMENTS, 'not segment("vip")', "excluded elsewhere nobody"),
    case("unknown segment", SEGMENTS, 'segment("none")'),
]

CASES = [*TRAIT_CASES, *EVENT_CASES, *ELIGIBILITY_CASES]


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
