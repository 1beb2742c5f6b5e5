"""The condition language's tree: what the parser builds, the compiler reads and the proto mirrors.

Nodes are frozen dataclasses compared by value (positions are not part of equality), so a condition
parsed from text equals the same condition read from its proto form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class Position:
    """1-based line and column in the condition text (0, 0 for trees that came from a proto)."""

    line: int = 0
    column: int = 0


NOWHERE = Position()


@dataclass(frozen=True)
class Timestamp:
    """An instant, as microseconds since the Unix epoch (UTC)."""

    micros: int


# A constant: string, number (int or float), boolean or instant. Booleans are checked before
# numbers everywhere, since bool is a subclass of int in Python.
Literal = str | int | float | bool | Timestamp


class Op(Enum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    EXISTS = "exists"
    IS_NULL = "is null"


class Function(Enum):
    COUNT = "count"
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    AVG = "avg"
    FIRST = "first"
    LAST = "last"
    MOST_FREQUENT = "most_frequent"
    UNIQUE_COUNT = "unique_count"


# Functions whose value over no events is 0 rather than missing.
ZERO_WHEN_EMPTY = frozenset({Function.COUNT, Function.SUM, Function.UNIQUE_COUNT})


@dataclass(frozen=True)
class Window:
    """Event times in [now - within, now] ∩ [after, ∞) ∩ (-∞, before); None bounds do not apply."""

    within_micros: int | None = None
    after: Timestamp | None = None
    before: Timestamp | None = None

    @property
    def slides(self) -> bool:
        """Whether membership can change with time alone (and needs scheduled re-checks)."""
        return self.within_micros is not None


ALL_TIME = Window()


@dataclass(frozen=True)
class TraitRef:
    """traits.<key> or traits["key with spaces"]: a profile trait, top level."""

    key: str
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class ComputedRef:
    """computed.<key>: a computed trait, by its key."""

    key: str
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class PropertyRef:
    """properties.<key> inside an event filter: a property of the event, top level."""

    key: str
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class EventSelector:
    """event("Name", <filter>) with a window: which of the person's events count."""

    event: str
    filter: Node | None = None
    window: Window = ALL_TIME
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Aggregate:
    """event(...).count(...) / .sum(properties.x, ...) / ...: a value over the selected events."""

    selector: EventSelector
    function: Function
    property: str | None = None  # None only for COUNT
    position: Position = field(default=NOWHERE, compare=False)


Operand = TraitRef | ComputedRef | PropertyRef | Aggregate


@dataclass(frozen=True)
class Compare:
    """operand <op> values: one value, several for IN, none for EXISTS and IS_NULL."""

    operand: Operand
    op: Op
    values: tuple[Literal, ...] = ()
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class EventExists:
    """event(...).exists(...): the person did this at least once (negate it for "did not do")."""

    selector: EventSelector
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Consent:
    """consent("purpose"): the person consented to the purpose and is not restricted or erased."""

    purpose: str
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class InSegment:
    """segment("id"): the person is a member of another segment."""

    segment: str
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]
    position: Position = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Not:
    item: Node
    position: Position = field(default=NOWHERE, compare=False)


Node = And | Or | Not | Compare | EventExists | Consent | InSegment
