"""Static checks after parsing (scope, types, personal data, references) and what a condition reads."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from cdp.pii.documents import Classifier
from cdp.segmentation.domain.conditions.ast import (
    Aggregate,
    And,
    Compare,
    ComputedRef,
    Consent,
    EventExists,
    EventSelector,
    Node,
    Not,
    Op,
    TraitRef,
    Window,
)
from cdp.segmentation.domain.conditions.checks import (
    References,
    check,
    check_aggregate,
    references,
)
from cdp.segmentation.domain.conditions.errors import ConditionError
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate
from tests.support.conditions import aggregates, conditions

COMPUTED = {
    "orders_30d": parse_aggregate('event("Order Completed").count(within = 30d)'),
    "lifetime_revenue": parse_aggregate('event("Order Completed").sum(properties.revenue)'),
}
# a -> b; c and d reference each other (a cycle that already exists).
SEGMENTS = {
    "a": frozenset({"b"}),
    "b": frozenset(),
    "c": frozenset({"d"}),
    "d": frozenset({"c"}),
}
PERSONAL = "is personal data: the segmentation service never sees its value"


def check_text(text: str, own_id: str | None = "new") -> None:
    check(parse(text), COMPUTED, SEGMENTS, own_id)


def error_of(text: str, own_id: str | None = "new") -> str:
    with pytest.raises(ConditionError) as caught:
        check_text(text, own_id)
    return caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        'traits.country == "VN" and event("Order Completed").count(within = 30d) >= 2 '
        'and not event("Refund").exists(within = 90d)',
        'event("Order", properties.total >= 100 and properties.coupon exists).sum(properties.total) > 1',
        'traits.x in [1, "a", true, date("2026-01-01")]',
        'traits.x < 5 and traits.y >= timestamp("2026-01-01T00:00:00Z") and traits.z != false',
        'traits.x contains "pro" and traits.x starts_with "p"',
        "traits.email exists and traits.phone is null and traits.name is not null",
        "computed.orders_30d >= 2 and computed.lifetime_revenue > 1000",
        'segment("a") and consent("email_marketing")',
    ],
)
def test_conditions_that_can_be_evaluated_pass(text: str) -> None:
    check_text(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "traits.x exists and properties.total > 1",
            "line 1, column 21: properties.total can only be used inside an event filter, "
            'e.g. event("Name", properties.total == 1).exists()',
        ),
        (
            'event("x", traits.y == 1).exists()',
            "line 1, column 12: traits.y cannot be used inside an event filter; "
            "a filter tests the event's properties.<key>",
        ),
        ('event("x", computed.orders_30d > 1).exists()', "line 1, column 12: computed.orders_30d"),
        ('event("x", event("y").count() > 1).exists()', "line 1, column 12: event(...) cannot"),
        ('event("x", event("y").exists()).exists()', "line 1, column 12: event(...) cannot"),
        ('event("x", consent("p")).exists()', "line 1, column 12: consent(...) cannot"),
        ('event("x", segment("b")).exists()', "line 1, column 12: segment(...) cannot"),
    ],
)
def test_properties_only_inside_filters_and_nothing_else_inside_them(
    text: str, message: str
) -> None:
    assert error_of(text).startswith(message)


def test_count_takes_no_property_and_the_other_functions_need_one() -> None:
    assert error_of('traits.a exists and event("x").count(properties.y) > 1') == (
        "line 1, column 21: count takes no property: count() counts the events"
    )
    assert error_of('event("x").sum() > 1') == (
        "line 1, column 1: sum needs a property, e.g. sum(properties.x)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("traits.x contains 1", "contains needs a string"),
        ("traits.x starts_with true", "starts_with needs a string"),
        ('traits.x < "a"', "< needs a number or a timestamp"),
        ("traits.x >= true", ">= needs a number or a timestamp"),
        ("traits.x in []", "in takes 1 to 1000 values"),
    ],
)
def test_operators_accept_only_the_literals_they_can_compare(text: str, message: str) -> None:
    assert error_of(text) == f"line 1, column 1: {message}"


@pytest.mark.parametrize(
    "text", ['traits.email == "a"', 'traits.phone starts_with "+84"', "traits.birthday > 0"]
)
def test_personal_traits_allow_only_exists_and_is_null(text: str) -> None:
    key = text.split()[0]

    assert error_of(text) == (
        f"line 1, column 1: {key} {PERSONAL}; only exists / is null can be used"
    )


def test_personal_keys_are_recognised_in_any_spelling() -> None:
    assert PERSONAL in error_of('traits["E-Mail"] contains "@"')
    assert PERSONAL in error_of("traits.first_name == 1")


def test_the_suites_classification_decides_what_is_personal() -> None:
    node = parse('traits.loyalty_id == "L-1"')
    check(node, COMPUTED, SEGMENTS, None)

    with pytest.raises(ConditionError, match=PERSONAL):
        check(node, COMPUTED, SEGMENTS, None, classifier=Classifier(["loyalty_id"]))


@pytest.mark.parametrize(
    "text",
    [
        'event("x", properties.email exists).exists()',
        'event("x").most_frequent(properties.phone) exists',
    ],
)
def test_personal_properties_cannot_be_used_at_all(text: str) -> None:
    assert error_of(text).endswith(f"{PERSONAL}; it cannot be used")


def test_personal_values_never_appear_in_check_errors() -> None:
    assert "someone" not in error_of('traits.email == "someone@example.com"')


def test_computed_traits_must_exist() -> None:
    assert error_of("computed.unknown > 1") == (
        "line 1, column 1: computed.unknown is not a computed trait"
    )


def test_segments_must_exist() -> None:
    assert error_of('consent("p") and segment("zzz")') == (
        'line 1, column 18: segment "zzz" does not exist'
    )


def test_without_a_segment_list_only_self_reference_is_checked() -> None:
    check(parse('segment("zzz")'), COMPUTED, None, "new")

    with pytest.raises(ConditionError, match="segment cycle: new -> new"):
        check(parse('segment("new")'), COMPUTED, None, "new")


@pytest.mark.parametrize(
    ("own_id", "text", "cycle"),
    [
        ("a", 'segment("a")', "a -> a"),
        ("b", 'segment("a")', "b -> a -> b"),
        ("new", 'segment("c")', "c -> d -> c"),
    ],
)
def test_segment_cycles_are_refused_naming_the_path(own_id: str, text: str, cycle: str) -> None:
    assert error_of(text, own_id) == f"line 1, column 1: segment cycle: {cycle}"


def test_updating_a_segment_to_drop_its_reference_is_fine() -> None:
    check_text('segment("b")', own_id="a")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('consent("Email")', "a purpose is 1 to 64 of a-z, 0-9, _ and -"),
        ('segment("-x")', "a segment id is 1 to 64 of a-z, 0-9, _ and -"),
        (f'consent("{"p" * 65}")', "a purpose is 1 to 64"),
        ('event("").exists()', "an event name is 1 to 200 characters"),
        (f'event("{"x" * 201}").exists()', "an event name is 1 to 200 characters"),
        ('traits[""] exists', "a key is 1 to 256 characters"),
        ('traits.x == "\\u0000"', "a string cannot hold the NUL character"),
        (
            'event("x").exists(after = date("2026-02-01"), before = date("2026-01-01"))',
            "the window is empty: after must be earlier than before",
        ),
    ],
)
def test_names_keys_values_and_windows_are_bounded(text: str, message: str) -> None:
    assert error_of(text).startswith(f"line 1, column 1: {message}")


def test_the_bounds_themselves_are_accepted() -> None:
    purpose, event, key = "p" * 64, "x" * 200, "k" * 256

    check_text(f'event("{event}").exists(within = 36500d) and consent("{purpose}")')
    check_text(f'traits["{key}"] exists')


def test_trees_from_a_proto_are_checked_the_same_way_without_a_position() -> None:
    tree = And((Compare(TraitRef("email"), Op.EQ, ("x",)), Consent("p")))

    with pytest.raises(ConditionError) as caught:
        check(tree, COMPUTED, SEGMENTS, None, field="condition_tree")

    assert caught.value.message.startswith("traits.email is personal data")
    assert caught.value.field == "condition_tree"
    assert "line" not in caught.value.metadata


@pytest.mark.parametrize("within", [0, 1_500_000, 36_501 * 86_400 * 1_000_000])
def test_a_built_window_must_be_whole_seconds_up_to_a_century(within: int) -> None:
    tree = EventExists(EventSelector("x", None, Window(within)))

    with pytest.raises(ConditionError, match="within is a whole number of seconds from 1s"):
        check(tree, COMPUTED, SEGMENTS, None)


def test_a_tree_built_too_deep_is_refused() -> None:
    tree: Node = Consent("p")
    for _ in range(33):
        tree = Not(tree)

    with pytest.raises(ConditionError, match="deeper than 32"):
        check(tree, COMPUTED, SEGMENTS, None)


def test_check_aggregate_checks_a_computed_trait_expression() -> None:
    check_aggregate(COMPUTED["lifetime_revenue"])

    with pytest.raises(ConditionError, match=r"properties\.email is personal data") as caught:
        check_aggregate(parse_aggregate('event("x").last(properties.email)'), field="expression")
    assert caught.value.field == "expression"


def test_references_name_everything_the_condition_reads() -> None:
    node = parse(
        'traits.country == "VN" and computed.orders_30d >= 2 and not event("Refund").exists() '
        'and consent("email") and segment("a") and traits.email exists'
    )

    assert references(node, COMPUTED) == References(
        trait_keys=frozenset({"country", "email"}),
        computed_keys=frozenset({"orders_30d"}),
        event_names=frozenset({"Refund", "Order Completed"}),
        purposes=frozenset({"email"}),
        segment_ids=frozenset({"a"}),
        slides=True,
    )


def test_references_slide_only_with_a_within_window() -> None:
    fixed = parse('event("x").exists(after = date("2026-01-01")) and computed.lifetime_revenue > 1')
    sliding = parse('event("x", properties.a == 1).count(within = 1h) > 1')

    assert references(fixed, COMPUTED).slides is False
    assert references(sliding, COMPUTED).slides is True
    assert references(sliding, COMPUTED).event_names == frozenset({"x"})


def test_references_of_a_computed_trait_reference() -> None:
    node = Compare(ComputedRef("lifetime_revenue"), Op.GT, (1,))

    assert references(node, COMPUTED).event_names == frozenset({"Order Completed"})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions(segment_ids=["a", "b"], computed_keys=list(COMPUTED)))
def test_generated_trees_pass_the_checks(node: Node) -> None:
    check(node, COMPUTED, SEGMENTS, "new")


@settings(max_examples=200, deadline=None)
@given(aggregates())
def test_generated_aggregates_pass_the_checks(aggregate: Aggregate) -> None:
    check_aggregate(aggregate)
