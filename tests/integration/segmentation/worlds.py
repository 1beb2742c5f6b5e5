"""The conformance table's row type and its small read models, each probing one family of operators."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cdp.segmentation.domain.typed import instant_micros
from tests.support.reference_eval import PERSONAL, Event, World


def at(text: str) -> int:
    micros = instant_micros(text)
    assert micros is not None, text
    return micros


NOW = at("2026-03-01T00:00:00Z")
DAY = 86_400_000_000


@dataclass(frozen=True)
class Case:
    description: str
    world: World
    condition: str
    expected: frozenset[str]
    computed: Mapping[str, str] = field(default_factory=dict)


def case(
    description: str,
    world: World,
    condition: str,
    expected: str | Iterable[str] = "",
    **computed: str,
) -> Case:
    """A row: `expected` names the matching profiles, space-separated or as an iterable."""
    names = expected.split() if isinstance(expected, str) else expected
    return Case(description, world, condition, frozenset(names), computed)


def everyone(world: World, *but: str) -> list[str]:
    return [profile for profile in world.profiles if profile not in but]


def people(**traits: dict[str, Any]) -> World:
    """Profiles with these traits, plus "nobody", who has none."""
    return World(profiles=[*traits, "nobody"], traits=dict(traits))


def acting(*events: Event, extra: tuple[str, ...] = ()) -> World:
    """The profiles of these events (plus `extra` and "nobody") and the events, ids in order."""
    profiles = list(dict.fromkeys([*(event.profile for event in events), *extra, "nobody"]))
    return World(profiles=profiles, events=list(events))


TYPES = people(
    s_pro={"v": "pro"},
    s_5={"v": "5"},
    n_5={"v": 5},
    n_5f={"v": 5.0},
    n_7={"v": 7.5},
    b_t={"v": True},
    b_f={"v": False},
    null={"v": None},
    lst={"v": [5]},
    obj={"v": {"a": 5}},
    pers={"v": PERSONAL},
)
HAS_V = {"s_pro", "s_5", "n_5", "n_5f", "n_7", "b_t", "b_f", "lst", "obj", "pers"}

TEXT = people(
    pct={"t": "100% sure"},
    p100={"t": "1000 sure"},
    under={"t": "a_b"},
    axb={"t": "axb"},
    upper={"t": "Apple"},
    lower={"t": "apple"},
    big_b={"t": "B"},
    a={"t": "a"},
    empty={"t": ""},
)

TIMES = people(
    plus7={"since": "2026-01-01T06:00:00+07:00"},
    z={"since": "2025-12-31T23:00:00Z"},
    naive={"since": "2025-12-31T23:00:00"},
    day={"since": "2025-12-31"},
    later={"since": "2025-12-31T23:00:00.000001+00:00"},
    word={"since": "soon"},
    number={"since": at("2025-12-31T23:00:00Z")},
)

WINDOWS = acting(
    Event("edge", "buy", NOW - 30 * DAY),
    Event("early", "buy", NOW - 30 * DAY - 1),
    Event("now", "buy", NOW),
    Event("future", "buy", NOW + 1),
    Event("viewer", "view", NOW - DAY),
)

PROPERTIES = acting(
    Event("cheap", "order", NOW, {"total": 5, "sku": "a%", 'say "hi"': "yes"}),
    Event("dear", "order", NOW, {"total": 50, "sku": "b_1", "gift": True, "a.b": 1}),
    Event("text", "order", NOW, {"total": "50"}),
    Event("nulls", "order", NOW, {"total": None, "gift": False}),
    Event("nested", "order", NOW, {"total": {"v": 50}, "gift": [1], "a": {"b": 1}}),
    Event("float", "order", NOW, {"total": 50.0, "sku": "B"}),
    Event("other", "refund", NOW, {"total": 50}),
)


def _order(profile: str, days_ago: int, **properties: Any) -> Event:
    return Event(profile, "order", NOW - days_ago * DAY, properties)


AGGREGATES = acting(
    _order("two", 2, total=10, sku="x"),
    _order("two", 1, total=20, sku="y"),
    _order("one", 1, total=7, sku="x"),
    _order("text", 1, total="12", sku=5),
    _order("tie", 1, total=3, sku="b"),  # same time as the next: ids break the tie
    _order("tie", 1, total=1, sku="a"),
    _order("freq", 3, total=1, sku="z"),
    _order("freq", 2, total=1.0, sku="a"),
    _order("freq", 1, total=1, sku="z"),
    _order("mixed", 3, sku=True),
    _order("mixed", 2, sku=2),
    _order("mixed", 1, sku="2"),
    _order("old", 40, total=100),
    Event("two", "refund", NOW, {"total": 1000}),
)

CONSENT = World(
    profiles=["granted", "denied", "restricted", "erased", "sms_only", "nobody"],
    consent={
        ("granted", "email"): True,
        ("denied", "email"): False,
        ("restricted", "email"): True,
        ("erased", "email"): True,
        ("sms_only", "sms"): True,
    },
    blocked={"restricted": "restricted", "erased": "erased"},
)

SEGMENTS = World(
    profiles=["member", "excluded", "elsewhere", "nobody"],
    members={("vip", "member"): False, ("vip", "excluded"): True, ("other", "elsewhere"): False},
)
