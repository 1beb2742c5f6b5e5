"""Why one event of a batch is rejected: a stable reason and a field path, never the value."""

from __future__ import annotations

from cdp.ingestion.domain.model import EventResult, Status


class EventInvalid(Exception):
    """Raised while preparing one event; becomes a REJECTED result for that event only."""

    def __init__(self, reason: str, field: str, problem: str) -> None:
        super().__init__(problem)
        self.reason = reason
        self.field = field
        self.problem = problem

    def result(self, index: int, message_id: str) -> EventResult:
        path = f"events[{index}].{self.field}" if self.field else f"events[{index}]"
        return EventResult(
            index, message_id, Status.REJECTED, self.reason, path, f"{path}: {self.problem}"
        )


def required(field: str) -> EventInvalid:
    return EventInvalid("FIELD_REQUIRED", field, "is required")


def too_long(field: str, limit: int, unit: str = "characters") -> EventInvalid:
    return EventInvalid("VALUE_TOO_LONG", field, f"is longer than {limit} {unit}")
