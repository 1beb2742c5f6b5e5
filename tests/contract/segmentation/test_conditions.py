"""Conditions over the real server: errors with line and column, personal data, references, trees."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2

from cdp.api.segmentation.v1 import condition_pb2, segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from tests.contract.segmentation.harness import (
    PURPOSE,
    Running,
    failure,
    field_violations,
    reason,
)

COUNTRY = 'traits.country == "VN"'


def _update_condition(running: Running, segment_id: str, condition: str) -> segment_pb2.Segment:
    request = pb.UpdateSegmentRequest(
        segment=segment_pb2.Segment(name=f"segments/{segment_id}", condition=condition),
        update_mask=field_mask_pb2.FieldMask(paths=["condition"]),
    )
    return running.call("UpdateSegment", request).segment


@pytest.mark.parametrize(
    ("condition", "where"),
    [
        ("traits.country == ", "line 1, column 19"),
        (
            'traits.country == "VN" and\n  event("Order").count(within = 30d) >= ',
            "line 2, column 41",
        ),
        ('traits.plan in ("a", "b")', "line 1, column 16"),
        ('traits.email == "an@example.com"', "line 1, column 1"),
        ('traits.country == "VN" or segment("nobody-made-this")', "line 1, column 27"),
        ("computed.orders_30d >= 1", "line 1, column 1"),
    ],
)
def test_a_bad_condition_is_invalid_argument_with_its_line_and_column(
    running: Running, condition: str, where: str
) -> None:
    err = failure(lambda: running.create("vn", condition))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (reason(err), field_violations(err)) == ("INVALID_CONDITION", ["segment.condition"])
    assert err.details().startswith(f"{where}: ")
    assert "an@example.com" not in err.details()  # never echoes what may be personal data
    assert failure(lambda: running.get("vn")).code() == grpc.StatusCode.NOT_FOUND


def test_comparing_a_personal_trait_is_refused_but_presence_is_allowed(running: Running) -> None:
    refused = failure(lambda: running.create("emails", 'traits.phone starts_with "+84"'))

    allowed = running.create("emails", "traits.email exists and traits.phone is null")

    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "personal data" in refused.details()
    assert allowed.condition == "traits.email exists and traits.phone is null"


def test_a_segment_may_not_read_itself_or_close_a_cycle(running: Running) -> None:
    running.create("base", COUNTRY)
    running.create("derived", 'segment("base") and traits.plan == "pro"')

    itself = failure(lambda: running.create("selfish", 'segment("selfish")'))
    cycle = failure(lambda: _update_condition(running, "base", 'segment("derived")'))

    for err in (itself, cycle):
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert reason(err) == "INVALID_CONDITION"
        assert "segment cycle" in err.details()
    assert running.get("base").condition == COUNTRY


def test_a_condition_tree_creates_the_same_segment_as_its_text(running: Running) -> None:
    text = 'traits.country == "VN" and event("Order Completed").count(within = 30d) >= 2'
    parsed = running.call("ParseCondition", pb.ParseConditionRequest(condition=text))

    from_tree = running.call(
        "CreateSegment",
        pb.CreateSegmentRequest(
            segment_id="from-tree",
            segment=segment_pb2.Segment(condition_tree=parsed.condition_tree, purpose=PURPOSE),
        ),
    ).segment
    from_text = running.create("from-text", text)

    assert from_tree.condition == from_text.condition == parsed.canonical
    assert from_tree.condition_tree == from_text.condition_tree == parsed.condition_tree


def test_a_segment_needs_a_condition_as_text_or_tree(running: Running) -> None:
    err = failure(lambda: running.create("vn", ""))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (reason(err), field_violations(err)) == ("FIELD_REQUIRED", ["segment.condition"])


def test_parse_condition_returns_the_canonical_text_and_tree(running: Running) -> None:
    text = (
        'event("Order Completed", properties.cat == "a").sum(properties.revenue, within = 7d) > 10'
    )

    response = running.call(
        "ParseCondition", pb.ParseConditionRequest(condition=text), role="profile_reader"
    )

    assert response.canonical == (
        'event("Order Completed", properties.cat == "a").sum(properties.revenue, within = 1w) > 10'
    )
    aggregate = response.condition_tree.comparison.operand.event_aggregate
    assert aggregate.selector.event == "Order Completed"
    assert aggregate.selector.window.within.seconds == 7 * 86_400


def test_parse_condition_reports_where_the_text_goes_wrong(running: Running) -> None:
    err = failure(
        lambda: running.call(
            "ParseCondition", pb.ParseConditionRequest(condition="traits.plan ==\n")
        )
    )

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == ["condition"]
    assert err.details().startswith("line 2, column 1: ")


def test_a_malformed_condition_tree_names_the_offending_node(running: Running) -> None:
    tree = condition_pb2.Condition(
        comparison=condition_pb2.Comparison(operand=condition_pb2.Operand(trait="plan"))
    )
    request = pb.CreateSegmentRequest(
        segment_id="vn", segment=segment_pb2.Segment(condition_tree=tree, purpose=PURPOSE)
    )

    err = failure(lambda: running.call("CreateSegment", request))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err) == ["segment.condition_tree.comparison.operator"]


def test_a_condition_tree_comparing_a_personal_trait_is_refused(running: Running) -> None:
    tree = condition_pb2.Condition(
        comparison=condition_pb2.Comparison(
            operand=condition_pb2.Operand(trait="email"),
            operator=condition_pb2.OPERATOR_EQUAL,
            values=[condition_pb2.Literal(string_value="an@example.com")],
        )
    )
    request = pb.CreateSegmentRequest(
        segment_id="vn", segment=segment_pb2.Segment(condition_tree=tree, purpose=PURPOSE)
    )

    err = failure(lambda: running.call("CreateSegment", request))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason(err) == "INVALID_CONDITION"
    assert "an@example.com" not in err.details()
