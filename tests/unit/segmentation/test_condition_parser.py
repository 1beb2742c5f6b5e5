"""The condition language's parser: what each piece of syntax becomes in the tree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cdp.segmentation.domain.conditions.ast import (
    Aggregate,
    And,
    Compare,
    ComputedRef,
    Consent,
    EventExists,
    EventSelector,
    Function,
    InSegment,
    Not,
    Op,
    Or,
    Position,
    PropertyRef,
    Timestamp,
    TraitRef,
    Window,
)
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate

DAY = 86_400 * 1_000_000
ISSUE_EXAMPLE = (
    'traits.country == "VN" and event("Order Completed").count(within = 30d) >= 2 '
    'and not event("Refund").exists(within = 90d)'
)


def micros(*parts: int) -> Timestamp:
    return Timestamp(int(datetime(*parts, tzinfo=UTC).timestamp()) * 1_000_000)


def trait(key: str, op: Op, *values: object) -> Compare:
    return Compare(TraitRef(key), op, tuple(values))


A, B, C = (trait(key, Op.EXISTS) for key in "abc")


def test_the_issue_example_parses_to_one_and_of_three_conditions() -> None:
    node = parse(ISSUE_EXAMPLE)

    assert node == And(
        (
            trait("country", Op.EQ, "VN"),
            Compare(
                Aggregate(EventSelector("Order Completed", None, Window(30 * DAY)), Function.COUNT),
                Op.GE,
                (2,),
            ),
            Not(EventExists(EventSelector("Refund", None, Window(90 * DAY)))),
        )
    )


def test_nodes_carry_the_line_and_column_of_their_first_token() -> None:
    node = parse(ISSUE_EXAMPLE)

    assert isinstance(node, And)
    assert [item.position for item in node.items] == [
        Position(1, 1),
        Position(1, 28),
        Position(1, 82),
    ]
    negation = node.items[2]
    assert isinstance(negation, Not)
    assert negation.item.position == Position(1, 86)


@pytest.mark.parametrize(
    ("text", "op", "values"),
    [
        ('traits.plan == "x"', Op.EQ, ("x",)),
        ('traits.plan != "x"', Op.NE, ("x",)),
        ("traits.plan < 3", Op.LT, (3,)),
        ("traits.plan <= 3", Op.LE, (3,)),
        ("traits.plan > 3", Op.GT, (3,)),
        ("traits.plan >= 3", Op.GE, (3,)),
        ('traits.plan in ["a", 2, true]', Op.IN, ("a", 2, True)),
        ("traits.plan in []", Op.IN, ()),
        ('traits.plan contains "pro"', Op.CONTAINS, ("pro",)),
        ('traits.plan starts_with "pro"', Op.STARTS_WITH, ("pro",)),
        ("traits.plan exists", Op.EXISTS, ()),
        ("traits.plan is null", Op.IS_NULL, ()),
    ],
)
def test_every_comparison_operator(text: str, op: Op, values: tuple) -> None:
    assert parse(text) == Compare(TraitRef("plan"), op, values)


def test_is_not_null_is_the_negation_of_is_null() -> None:
    assert parse("traits.plan is not null") == Not(trait("plan", Op.IS_NULL))
    assert parse("not traits.plan is null") == parse("traits.plan is not null")


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ('"VN"', "VN"),
        (r'"a \"quoted\" \\ line\nbreak \u00e9 \ud83d\ude00"', 'a "quoted" \\ line\nbreak é 😀'),
        ('"Hà Nội"', "Hà Nội"),
        ("42", 42),
        ("-7", -7),
        ("0.25", 0.25),
        ("-1.5e3", -1500.0),
        ("2E-2", 0.02),
        ("true", True),
        ("false", False),
        ('timestamp("2026-01-01T07:00:00+07:00")', micros(2026, 1, 1)),
        ('timestamp("2026-01-01T00:00:00Z")', micros(2026, 1, 1)),
        ('timestamp("2026-01-01T00:00:00.000001Z")', Timestamp(micros(2026, 1, 1).micros + 1)),
        ('date("2026-03-31")', micros(2026, 3, 31)),
    ],
)
def test_every_literal_type(literal: str, value: object) -> None:
    node = parse(f"traits.x == {literal}")

    assert isinstance(node, Compare)
    assert node.values == (value,)
    assert type(node.values[0]) is type(value)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("traits.a exists or traits.b exists and traits.c exists", Or((A, And((B, C))))),
        ("(traits.a exists or traits.b exists) and traits.c exists", And((Or((A, B)), C))),
        ("not traits.a exists and traits.b exists", And((Not(A), B))),
        ("not (traits.a exists and traits.b exists)", Not(And((A, B)))),
        ("not not traits.a exists", Not(Not(A))),
        ("traits.a exists and traits.b exists and traits.c exists", And((A, B, C))),
        ("traits.a exists or traits.b exists or traits.c exists", Or((A, B, C))),
        ("traits.a exists and (traits.b exists and traits.c exists)", And((A, And((B, C))))),
        ("((traits.a exists))", A),
    ],
)
def test_precedence_not_binds_tighter_than_and_which_binds_tighter_than_or(
    text: str, tree: object
) -> None:
    assert parse(text) == tree


def test_whitespace_newlines_and_comments_are_ignored_and_lines_are_counted() -> None:
    text = '# buyers in Vietnam\ntraits.country == "VN"  # the country trait\n\tand\n  consent("email")\n'

    node = parse(text)

    assert node == And((trait("country", Op.EQ, "VN"), Consent("email")))
    assert isinstance(node, And)
    assert node.items[1].position == Position(4, 3)


def test_keys_that_are_not_identifiers_use_brackets() -> None:
    node = parse('traits["plan type"] == "pro" and computed.orders_30d > 1 and computed["x y"] > 1')

    assert node == And(
        (
            trait("plan type", Op.EQ, "pro"),
            Compare(ComputedRef("orders_30d"), Op.GT, (1,)),
            Compare(ComputedRef("x y"), Op.GT, (1,)),
        )
    )


def test_keywords_are_ordinary_keys_after_a_dot() -> None:
    assert parse("traits.and exists") == trait("and", Op.EXISTS)


def test_an_event_filter_tests_the_events_properties() -> None:
    node = parse(
        'event("Order Completed", properties.total >= 100 and properties["pay method"] == "cod")'
        ".exists()"
    )

    assert node == EventExists(
        EventSelector(
            "Order Completed",
            And(
                (
                    Compare(PropertyRef("total"), Op.GE, (100,)),
                    Compare(PropertyRef("pay method"), Op.EQ, ("cod",)),
                )
            ),
        )
    )


@pytest.mark.parametrize("function", [f for f in Function if f is not Function.COUNT])
def test_every_aggregate_function_takes_a_property(function: Function) -> None:
    node = parse(f'event("Order").{function.value}(properties.total) > 1')

    assert node == Compare(Aggregate(EventSelector("Order"), function, "total"), Op.GT, (1,))


@pytest.mark.parametrize(
    ("arguments", "window"),
    [
        ("within = 45s", Window(45 * 1_000_000)),
        ("within = 5m", Window(300 * 1_000_000)),
        ("within = 2h", Window(7200 * 1_000_000)),
        ("within = 30d", Window(30 * DAY)),
        ("within = 2w", Window(14 * DAY)),
        ('after = date("2026-01-01")', Window(None, micros(2026, 1, 1))),
        ('before = timestamp("2026-02-01T00:00:00Z")', Window(None, None, micros(2026, 2, 1))),
        (
            'before = date("2026-02-01"), within = 1d, after = date("2026-01-01")',
            Window(DAY, micros(2026, 1, 1), micros(2026, 2, 1)),
        ),
        (
            'between = [date("2026-01-01"), timestamp("2026-02-01T07:00:00+07:00")]',
            Window(None, micros(2026, 1, 1), micros(2026, 2, 1)),
        ),
    ],
)
def test_window_arguments_in_any_order(arguments: str, window: Window) -> None:
    node = parse(f'event("Login").exists({arguments})')

    assert node == EventExists(EventSelector("Login", None, window))


def test_did_not_do_is_a_negated_exists() -> None:
    assert parse('not event("Refund").exists(within = 90d)') == Not(
        EventExists(EventSelector("Refund", None, Window(90 * DAY)))
    )


def test_consent_and_segment_predicates() -> None:
    node = parse('consent("email_marketing") and segment("vip-buyers")')

    assert node == And((Consent("email_marketing"), InSegment("vip-buyers")))


def test_an_aggregate_can_be_tested_for_presence() -> None:
    node = parse('event("Order").last(properties.city_code) exists')

    assert node == Compare(
        Aggregate(EventSelector("Order"), Function.LAST, "city_code"), Op.EXISTS, ()
    )


def test_parse_aggregate_reads_a_computed_trait_expression() -> None:
    aggregate = parse_aggregate('event("Order Completed").sum(properties.revenue, within = 30d)')

    assert aggregate == Aggregate(
        EventSelector("Order Completed", None, Window(30 * DAY)), Function.SUM, "revenue"
    )
    assert aggregate.position == Position(1, 1)
