"""Parse errors: where (line, column), what was expected, what was found — and the size limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdp.errors import InvalidArgument
from cdp.segmentation.domain.conditions.errors import ConditionError
from cdp.segmentation.domain.conditions.formatter import format_condition
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate

VALUE = "a value (a string, a number, true, false, timestamp(...) or date(...))"
WINDOW = (
    "a window argument (within = 30d, after = timestamp(...), before = ..., between = [..., ...])"
)


def error_of(text: str, field: str = "condition") -> ConditionError:
    with pytest.raises(ConditionError) as caught:
        parse(text, field)
    return caught.value


def test_a_single_equals_sign_is_pointed_at_with_a_hint() -> None:
    error = error_of('traits.country = "VN"')

    assert error.message == (
        'line 1, column 16: expected a comparison operator after traits.country, found "=" '
        "(use == for equality)"
    )


def test_the_error_is_an_invalid_argument_with_a_stable_reason_field_and_position() -> None:
    error = error_of("traits.a == 1 and\n  traits.b = 2", field="segment.condition")

    assert isinstance(error, InvalidArgument)
    assert error.code == "INVALID_ARGUMENT"
    assert error.reason == "INVALID_CONDITION"
    assert error.field == "segment.condition"
    assert error.metadata == {"field": "segment.condition", "line": "2", "column": "12"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "traits.a == 1 and\n  traits.b ==",
            f"line 2, column 14: expected {VALUE}, found the end of the condition",
        ),
        (
            "traits.x == null",
            f'line 1, column 13: expected {VALUE}, found "null" (use is null or exists)',
        ),
        (
            'traits.x > timestamp("2026-01-01T00:00:00")',
            "line 1, column 22: timestamp needs a time zone offset, e.g. +07:00",
        ),
        (
            'traits.x > timestamp("yesterday")',
            "line 1, column 22: expected an ISO-8601 timestamp such as 2026-01-01T00:00:00+07:00",
        ),
        ('traits.x > date("2026-1-1")', "line 1, column 17: expected a date such as 2026-01-31"),
        (
            'event("x").count(within = 0d) > 1',
            "line 1, column 27: a duration is at least 1 of its unit, e.g. 1d",
        ),
        (
            'event("x").count(within = 36501d) > 1',
            "line 1, column 27: a duration is at most 36500d (100 years)",
        ),
        (
            'event("x").count(within = 30) > 1',
            'line 1, column 27: expected a duration such as 30d, found "30"',
        ),
        (
            'event("x").count(within = 30y) > 1',
            "line 1, column 27: expected a duration such as 30d (units s, m, h, d, w)",
        ),
        (
            'traits.x == "abc',
            'line 1, column 13: unterminated string (strings end with " on the same line; escape " as \\")',
        ),
        (
            'traits.x == "a\\qb"',
            'line 1, column 13: invalid escape in string (use \\" \\\\ \\n \\t or \\uXXXX)',
        ),
        (
            'traits.x == "\\ud800"',
            "line 1, column 13: a \\u escape in the string is half of a surrogate pair (give both halves)",
        ),
        (
            'event("x").exists(properties.a)',
            f'line 1, column 19: expected {WINDOW}, found "properties"',
        ),
        (
            'event("x").sum(within = 1d, properties.a) > 1',
            f'line 1, column 29: expected properties.<key> or {WINDOW}, found "properties"',
        ),
        ('event("x").exists(since = 1d)', f'line 1, column 19: expected {WINDOW}, found "since"'),
        ('event("x").exists(within = 1d, within = 2d)', "line 1, column 32: within is given twice"),
        (
            'event("x").exists(after = date("2026-01-01"), between = [date("2026-01-01"), date("2026-02-01")])',
            "line 1, column 47: between sets both after and before: give either between or after/before",
        ),
        (
            'event("x").total() > 1',
            "line 1, column 12: expected exists or a function (count, sum, min, max, avg, first, "
            'last, most_frequent, unique_count) after event(...), found "total"',
        ),
        (
            "event(x).exists()",
            'line 1, column 7: expected the event name in double quotes, found "x"',
        ),
        ("traits.x is 1", 'line 1, column 13: expected null or not after "is", found "1"'),
        ("traits.x is not 1", 'line 1, column 17: expected null after "is not", found "1"'),
        (
            "traits.x == 1)",
            'line 1, column 14: expected and, or or the end of the condition, found ")" with no matching "("',
        ),
        (
            "(traits.x == 1",
            'line 1, column 15: expected ")" to close the "(" at line 1, column 1, found the end of the condition',
        ),
        ("traits.x in [1 2]", 'line 1, column 16: expected "," or "]" in the list, found "2"'),
        (
            "traits. == 1",
            'line 1, column 9: expected a key after traits. (or traits["any key"]), found "=="',
        ),
        ("traits.x == 1 @", 'line 1, column 15: unexpected character "@"'),
        (
            "traits.x == 99999999999999999999",
            "line 1, column 13: integer out of range (at most 9007199254740992 either side of 0)",
        ),
        ("traits.x == 1e999", "line 1, column 13: number out of range"),
        (
            "",
            'line 1, column 1: expected a condition (traits., computed., event(...), consent(...), segment(...), not or "("), found the end of the condition',
        ),
    ],
)
def test_errors_say_where_what_was_expected_and_what_was_found(text: str, message: str) -> None:
    assert error_of(text).message == message


def test_string_contents_are_never_repeated_in_a_message() -> None:
    error = error_of('traits.x "someone@example.com"')

    assert "example" not in error.message
    assert "found a string" in error.message


def test_no_more_than_twenty_characters_of_the_text_are_quoted() -> None:
    long = "a" * 45

    assert error_of(f"traits.x == 1 and {long}").message.endswith(f'found "{"a" * 19}…"')
    assert f"traits.{'a' * 19}…," in error_of(f"traits.{long} = 1").message


def test_parse_aggregate_wants_exactly_one_aggregate() -> None:
    with pytest.raises(ConditionError) as caught:
        parse_aggregate('event("x").exists()')
    assert caught.value.field == "expression"
    assert caught.value.message.startswith("line 1, column 12: expected a function (count, sum")

    with pytest.raises(ConditionError) as caught:
        parse_aggregate('event("x").count() > 1')
    assert caught.value.message == 'line 1, column 20: expected the end of the aggregate, found ">"'


def test_text_longer_than_ten_thousand_characters_is_refused() -> None:
    text = "traits.x exists" + " " * 9_986

    assert "longer than 10000 characters" in error_of(text).message
    assert parse(text[:-1]) is not None


def test_nesting_deeper_than_32_levels_is_refused() -> None:
    assert parse("not " * 32 + "traits.x exists") is not None

    error = error_of("not " * 33 + "traits.x exists")

    assert error.message.startswith("line 1, column 129: the condition nests deeper than 32 levels")


def test_parentheses_count_as_nesting() -> None:
    assert "deeper than 32" in error_of("(" * 33 + "traits.x exists" + ")" * 33).message


def test_more_than_256_conditions_are_refused() -> None:
    assert parse(" or ".join(['consent("a")'] * 255)) is not None

    error = error_of(" or ".join(['consent("a")'] * 256))

    assert "more than 256 parts" in error.message


def test_an_in_list_holds_at_most_a_thousand_values() -> None:
    assert parse("traits.x in [" + ", ".join(["1"] * 1000) + "]") is not None

    error = error_of("traits.x in [" + ", ".join(["1"] * 1001) + "]")

    assert error.message == "line 1, column 13: an in list holds at most 1000 values"


_FRAGMENTS = [
    "traits.x",
    "properties.y",
    "computed.z",
    'traits["a b"]',
    "event(",
    '"Order"',
    ")",
    "(",
    ".",
    ",",
    "count",
    "sum",
    "exists",
    "within",
    "=",
    "==",
    "<",
    ">=",
    "in",
    "[",
    "]",
    "and",
    "or",
    "not",
    "is",
    "null",
    "30d",
    "1.5",
    "-2",
    "true",
    'timestamp("2026-01-01T00:00:00Z")',
    'date("2026-01-01")',
    "between",
    "after",
    "consent",
    "segment",
    "#",
    "\n",
    '"\\u00e9"',
]


def parses_back_or_points_at_a_line(text: str) -> None:
    """Either a tree whose canonical text reads back equal, or an error with a position."""
    try:
        node = parse(text)
    except ConditionError as error:
        assert error.message.startswith("line ")
        return
    assert parse(format_condition(node)) == node


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_a_condition_error(text: str) -> None:
    parses_back_or_points_at_a_line(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40))
def test_near_miss_token_soup_parses_or_raises_a_condition_error(fragments: list[str]) -> None:
    parses_back_or_points_at_a_line(" ".join(fragments))
