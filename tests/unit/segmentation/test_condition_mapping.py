"""The proto form of conditions: field by field, errors by field path, and round trips."""

from __future__ import annotations

import pytest
from google.protobuf import duration_pb2, timestamp_pb2
from hypothesis import HealthCheck, given, settings

from cdp.api.segmentation.v1 import condition_pb2 as pb
from cdp.segmentation.condition_mapping import (
    aggregate_from_proto,
    aggregate_to_proto,
    from_proto,
    to_proto,
)
from cdp.segmentation.domain.conditions.ast import Aggregate, Compare, Node, Op, TraitRef
from cdp.segmentation.domain.conditions.checks import check
from cdp.segmentation.domain.conditions.errors import ConditionError
from cdp.segmentation.domain.conditions.formatter import format_condition
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate
from tests.support.conditions import aggregates, conditions
from tests.support.protofuzz import MessageStrategies, Pools

ISSUE_EXAMPLE = (
    'traits.country == "VN" and event("Order Completed").count(within = 30d) >= 2 '
    'and not event("Refund").exists(within = 90d)'
)
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def trait_is(operator: int, *values: pb.Literal) -> pb.Condition:
    comparison = pb.Comparison(operand=pb.Operand(trait="x"), operator=operator, values=values)
    return pb.Condition(comparison=comparison)


def error_of(message: pb.Condition) -> ConditionError:
    with pytest.raises(ConditionError) as caught:
        from_proto(message)
    return caught.value


def test_the_issue_example_maps_field_by_field() -> None:
    message = to_proto(parse(ISSUE_EXAMPLE))

    country, orders, refund = message.all.conditions
    assert country.comparison.operand.trait == "country"
    assert country.comparison.operator == pb.OPERATOR_EQUAL
    assert country.comparison.values[0].string_value == "VN"
    aggregate = orders.comparison.operand.event_aggregate
    assert aggregate.function == pb.AGGREGATE_FUNCTION_COUNT
    assert aggregate.property == ""
    assert aggregate.selector.event == "Order Completed"
    assert aggregate.selector.window.within.seconds == 30 * 86_400
    assert not aggregate.selector.HasField("filter")
    assert orders.comparison.operator == pb.OPERATOR_GREATER_OR_EQUAL
    assert orders.comparison.values[0].number_value == 2
    assert refund.negated.event_exists.window.within.seconds == 90 * 86_400


def test_segments_are_named_by_resource_name_in_the_proto() -> None:
    node = parse('segment("vip") or consent("email")')

    message = to_proto(node)

    assert message.any.conditions[0].segment == "segments/vip"
    assert message.any.conditions[1].consent_purpose == "email"
    assert from_proto(message) == node


def test_literals_and_windows_keep_their_values() -> None:
    node = parse(
        'event("x", properties.a in ["s", 2, 2.5, true, timestamp("2026-01-01T00:00:00.000001Z")])'
        '.exists(after = date("1969-12-31"), before = date("2026-01-01"))'
    )

    message = to_proto(node)

    literals = message.event_exists.filter.comparison.values
    assert literals[4].timestamp_value == timestamp_pb2.Timestamp(seconds=1_767_225_600, nanos=1000)
    assert message.event_exists.window.after == timestamp_pb2.Timestamp(seconds=-86_400)
    back = from_proto(message)
    assert back == node


def test_whole_numbers_come_back_as_ints() -> None:
    node = from_proto(trait_is(pb.OPERATOR_GREATER, pb.Literal(number_value=2.0)))

    assert isinstance(node, Compare)
    assert node.values == (2,)
    assert type(node.values[0]) is int


@pytest.mark.parametrize(
    ("message", "field", "problem"),
    [
        (
            pb.Condition(
                all=pb.ConditionList(
                    conditions=[pb.Condition(consent_purpose="a")] * 2 + [pb.Condition()]
                )
            ),
            "condition_tree.all.conditions[2]",
            "needs one of all, any, negated, comparison, consent_purpose, segment or event_exists",
        ),
        (
            pb.Condition(any=pb.ConditionList(conditions=[pb.Condition(consent_purpose="a")])),
            "condition_tree.any.conditions",
            "needs at least two conditions",
        ),
        (
            trait_is(99),
            "condition_tree.comparison.operator",
            "needs a known operator (OPERATOR_EQUAL, ...)",
        ),
        (
            trait_is(pb.OPERATOR_UNSPECIFIED),
            "condition_tree.comparison.operator",
            "needs a known operator (OPERATOR_EQUAL, ...)",
        ),
        (
            trait_is(pb.OPERATOR_EQUAL),
            "condition_tree.comparison.values",
            "holds exactly one value for ==",
        ),
        (
            trait_is(pb.OPERATOR_EXISTS, pb.Literal(bool_value=True)),
            "condition_tree.comparison.values",
            "must be empty for exists",
        ),
        (
            trait_is(pb.OPERATOR_IN),
            "condition_tree.comparison.values",
            "holds 1 to 1000 values for in",
        ),
        (
            trait_is(pb.OPERATOR_EQUAL, pb.Literal()),
            "condition_tree.comparison.values[0]",
            "needs one of string_value, number_value, bool_value or timestamp_value",
        ),
        (
            trait_is(pb.OPERATOR_EQUAL, pb.Literal(number_value=float("inf"))),
            "condition_tree.comparison.values[0].number_value",
            "must be finite",
        ),
        (
            pb.Condition(comparison=pb.Comparison(operator=pb.OPERATOR_EXISTS)),
            "condition_tree.comparison.operand",
            "is required",
        ),
        (
            pb.Condition(
                comparison=pb.Comparison(
                    operand=pb.Operand(event_aggregate=pb.EventAggregate()),
                    operator=pb.OPERATOR_EXISTS,
                )
            ),
            "condition_tree.comparison.operand.event_aggregate.selector",
            "is required",
        ),
        (
            pb.Condition(segment="vip"),
            "condition_tree.segment",
            "must look like segments/{segment}",
        ),
        (
            pb.Condition(
                negated=pb.Condition(
                    event_exists=pb.EventSelector(
                        event="x", window=pb.Window(within=duration_pb2.Duration(nanos=5))
                    )
                )
            ),
            "condition_tree.negated.event_exists.window.within",
            "must be a whole number of seconds from 1s to 36500d",
        ),
        (
            pb.Condition(
                event_exists=pb.EventSelector(
                    event="x",
                    window=pb.Window(within=duration_pb2.Duration(seconds=36_501 * 86_400)),
                )
            ),
            "condition_tree.event_exists.window.within",
            "must be a whole number of seconds from 1s to 36500d",
        ),
        (
            pb.Condition(
                event_exists=pb.EventSelector(
                    event="x", window=pb.Window(after=timestamp_pb2.Timestamp(nanos=5))
                )
            ),
            "condition_tree.event_exists.window.after",
            "has microsecond precision at most (nanos a multiple of 1000)",
        ),
    ],
)
def test_malformed_protos_are_refused_naming_the_field_path(
    message: pb.Condition, field: str, problem: str
) -> None:
    error = error_of(message)

    assert error.field == field
    assert error.message == f"{field} {problem}"
    assert error.reason == "INVALID_CONDITION"


def test_an_unknown_aggregate_function_is_refused() -> None:
    message = pb.EventAggregate(selector=pb.EventSelector(event="x"), function=42)

    with pytest.raises(ConditionError) as caught:
        aggregate_from_proto(message)

    assert caught.value.field == "expression_tree.function"


def test_a_proto_nested_deeper_than_32_levels_is_refused() -> None:
    message = pb.Condition(consent_purpose="p")
    for _ in range(33):
        message = pb.Condition(negated=message)

    assert "deeper than 32 levels" in error_of(message).message
    assert from_proto(message.negated) is not None


def test_a_proto_with_more_than_256_conditions_is_refused() -> None:
    many = [pb.Condition(consent_purpose="p")] * 256

    assert "more than 256 parts" in error_of(pb.Condition(any={"conditions": many})).message
    assert from_proto(pb.Condition(any={"conditions": many[:255]})) is not None


def test_the_caller_names_the_root_field() -> None:
    with pytest.raises(ConditionError) as caught:
        from_proto(pb.Condition(), field="segment.condition_tree")

    assert caught.value.field == "segment.condition_tree"


def test_an_aggregate_round_trips() -> None:
    aggregate = parse_aggregate('event("Order Completed").sum(properties.revenue, within = 30d)')

    message = aggregate_to_proto(aggregate)

    assert message.function == pb.AGGREGATE_FUNCTION_SUM
    assert message.property == "revenue"
    assert aggregate_from_proto(message) == aggregate


@PROPERTY_SETTINGS
@given(conditions(segment_ids=["vip", "churned"], computed_keys=["orders_30d"]))
def test_every_tree_survives_the_proto_and_the_wire(node: Node) -> None:
    message = to_proto(node)
    wire = pb.Condition.FromString(message.SerializeToString())

    assert from_proto(wire) == node
    assert to_proto(from_proto(message)) == message


@settings(max_examples=150, deadline=None)
@given(aggregates())
def test_every_aggregate_survives_the_proto(aggregate: Aggregate) -> None:
    message = aggregate_to_proto(aggregate)

    assert aggregate_from_proto(message) == aggregate
    assert aggregate_to_proto(aggregate_from_proto(message)) == message


def test_negative_zero_stays_a_float_so_the_proto_is_unchanged() -> None:
    node = Compare(TraitRef("x"), Op.EQ, (-0.0,))

    assert to_proto(from_proto(to_proto(node))) == to_proto(node)


_FUZZ = MessageStrategies(Pools(messages=(to_proto(parse(ISSUE_EXAMPLE)),)))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_FUZZ.request(pb.Condition.DESCRIPTOR))
def test_any_proto_is_refused_with_a_condition_error_or_reads_as_text(
    message: pb.Condition,
) -> None:
    try:
        node = from_proto(message)
        check(node, {}, None, None, field="condition_tree")
    except ConditionError as error:
        assert error.field.startswith("condition_tree")
        return
    assert parse(format_condition(node)) == node
    assert from_proto(to_proto(node)) == node
