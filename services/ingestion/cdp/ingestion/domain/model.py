"""The ingestion domain: incoming events, prepared (validated and split) events, sealed events, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

MAX_BATCH = 500
MAX_PROBLEMS = 1000
MAX_SOURCE = 128
MAX_MESSAGE_ID = 128


class EventType(IntEnum):
    """The Segment-spec message kinds (numbers match the contract's enum)."""

    UNSPECIFIED = 0
    IDENTIFY = 1
    TRACK = 2
    PAGE = 3
    SCREEN = 4
    GROUP = 5
    ALIAS = 6


class Status(IntEnum):
    """What became of one event (numbers match the contract's enum)."""

    ACCEPTED = 1
    DUPLICATE = 2
    REJECTED = 3
    SUPPRESSED = 4


@dataclass(slots=True)
class Event:
    """One incoming event, its documents already plain dicts (None when absent)."""

    message_id: str
    type: EventType | None  # None: a number the contract does not define
    user_id: str = ""
    anonymous_id: str = ""
    event: str = ""
    name: str = ""
    category: str = ""
    properties: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    timestamp_ns: int | None = None
    previous_id: str = ""
    group_id: str = ""
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Identifier:
    """A normalised identifier; blocked placeholders are carried but never name the subject."""

    type: str
    value: str
    blocked: bool = False


@dataclass(slots=True)
class PreparedEvent:
    """A valid event, split once: public JSON, personal JSON (b"" when none) and its identifiers."""

    index: int
    message_id: str
    type: EventType
    event_name: str
    timestamp_ns: int
    identifiers: list[Identifier]
    primary: Identifier
    public_json: bytes
    personal_json: bytes


@dataclass(slots=True)
class SealedIdentifier:
    type: str
    blind_index: bytes
    sealed_value: bytes
    subject_id: str


@dataclass(slots=True)
class SealedEvent:
    """An event as it is stored and travels on: personal values only sealed."""

    message_id: str
    source: str
    type: EventType
    event_name: str
    timestamp_ns: int
    receive_ns: int
    identifiers: list[SealedIdentifier]
    subject_id: str
    public_json: bytes
    sealed_pii: bytes


@dataclass(slots=True, frozen=True)
class EventResult:
    index: int
    message_id: str
    status: Status
    reason: str = ""
    field: str = ""
    description: str = ""


@dataclass(slots=True)
class Batch:
    """A command: ingest these events for this source; `offset` numbers them within a stream."""

    source: str
    events: list[Event]
    offset: int = 0


@dataclass
class Tally:
    """Counts per status, plus the results that were not ACCEPTED or DUPLICATE (bounded)."""

    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    suppressed: int = 0
    problems: list[EventResult] = field(default_factory=list)

    def add(self, results: list[EventResult], max_problems: int = MAX_PROBLEMS) -> None:
        for result in results:
            status = result.status
            if status is Status.ACCEPTED:
                self.accepted += 1
            elif status is Status.DUPLICATE:
                self.duplicate += 1
            else:
                if status is Status.REJECTED:
                    self.rejected += 1
                else:
                    self.suppressed += 1
                if len(self.problems) < max_problems:
                    self.problems.append(result)

    @classmethod
    def of(cls, results: list[EventResult]) -> Tally:
        tally = cls()
        tally.add(results)
        return tally
