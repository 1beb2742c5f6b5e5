"""The canonical text of a condition, and that every tree survives text and back unchanged."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from cdp.segmentation.domain.conditions.ast import (
    Aggregate,
    And,
    Compare,
    EventSelector,
    Function,
    Node,
    Op,
    TraitRef,
    Window,
)
from cdp.segmentation.domain.conditions.formatter import format_aggregate, format_condition
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate
from tests.support.conditions import aggregates, conditions

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def canonical(text: str) -> str:
    return format_condition(parse(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'traits.country=="VN"   and(event("Order Completed").count(within=30d)>=2)',
            'traits.country == "VN" and event("Order Completed").count(within = 30d) >= 2',
        ),
        (
            "(traits.a exists and traits.b exists) or traits.c exists",
            "traits.a exists and traits.b exists or traits.c exists",
        ),
        (
            "traits.a exists and (traits.b exists or traits.c exists)",
            "traits.a exists and (traits.b exists or traits.c exists)",
        ),
        (
            "traits.a exists and (traits.b exists and traits.c exists)",
            "traits.a exists and (traits.b exists and traits.c exists)",
        ),
        ("(not traits.a exists)", "not traits.a exists"),
        ("not (traits.a exists or traits.b exists)", "not (traits.a exists or traits.b exists)"),
        ("not traits.x is null", "traits.x is not null"),
        ("traits.x  in[2,2.5,1e16,-0.5,1E-7,2.0]", "traits.x in [2, 2.5, 1e+16, -0.5, 1e-07, 2.0]"),
        (
            'traits.x > timestamp("2026-01-01T00:00:00+07:00")',
            'traits.x > timestamp("2025-12-31T17:00:00Z")',
        ),
        (
            'traits.x < timestamp("2026-01-01T00:00:00.000001Z")',
            'traits.x < timestamp("2026-01-01T00:00:00.000001Z")',
        ),
        ('traits.x >= date("2026-03-01")', 'traits.x >= timestamp("2026-03-01T00:00:00Z")'),
        (
            'event("x").exists(before = date("2026-02-01"), within = 7d, after = date("2026-01-01"))',
            'event("x").exists(within = 1w, after = timestamp("2026-01-01T00:00:00Z"), '
            'before = timestamp("2026-02-01T00:00:00Z"))',
        ),
        (
            'event("x").exists(between = [date("2026-01-01"), date("2026-02-01")])',
            'event("x").exists(after = timestamp("2026-01-01T00:00:00Z"), '
            'before = timestamp("2026-02-01T00:00:00Z"))',
        ),
        ('event("x").exists(within = 3600s)', 'event("x").exists(within = 1h)'),
        ('event("x").exists(within = 90d)', 'event("x").exists(within = 90d)'),
        (
            'event("y", properties["a b"] == "q\\"\\u00e9\\n").exists()',
            'event("y", properties["a b"] == "q\\"é\\n").exists()',
        ),
        (
            'traits["plan type"] == "pro" and computed.orders > 1',
            'traits["plan type"] == "pro" and computed.orders > 1',
        ),
        ('consent( "email" ) and segment("vip")', 'consent("email") and segment("vip")'),
    ],
)
def test_canonical_text(text: str, expected: str) -> None:
    assert canonical(text) == expected


def test_an_aggregate_prints_its_property_before_the_window() -> None:
    aggregate = parse_aggregate(
        'event("Order Completed" , properties.x>1).sum( properties.revenue,within = 30d )'
    )

    assert format_aggregate(aggregate) == (
        'event("Order Completed", properties.x > 1).sum(properties.revenue, within = 30d)'
    )


def test_a_tree_that_text_cannot_express_is_refused_not_misprinted() -> None:
    lonely = And((Compare(TraitRef("a"), Op.EXISTS),))
    no_value = Compare(TraitRef("a"), Op.EQ, ())
    sub_second = Compare(
        Aggregate(EventSelector("x", None, Window(1_500_000)), Function.COUNT), Op.GT, (1,)
    )

    for tree in (lonely, no_value, sub_second):
        with pytest.raises(ValueError):
            format_condition(tree)


@PROPERTY_SETTINGS
@given(conditions())
def test_every_tree_reads_back_equal_from_its_text(node: Node) -> None:
    text = format_condition(node)

    assert parse(text) == node
    assert format_condition(parse(text)) == text


@PROPERTY_SETTINGS
@given(
    conditions(
        trait_keys=["country", "email", "plan type"],
        event_names=["Order Completed", "Refund"],
        property_keys=["revenue", "phone"],
        purposes=["email_marketing"],
        segment_ids=["vip"],
        computed_keys=["orders_30d"],
        string_values=["VN", "TH"],
    )
)
def test_restricted_trees_read_back_equal_too(node: Node) -> None:
    assert parse(format_condition(node)) == node


@settings(max_examples=150, deadline=None)
@given(aggregates())
def test_every_aggregate_reads_back_equal_from_its_text(aggregate: Aggregate) -> None:
    assert parse_aggregate(format_aggregate(aggregate)) == aggregate
