"""The one error of the condition language: where it went wrong and what was expected there."""

from __future__ import annotations

from cdp.errors import InvalidArgument
from cdp.segmentation.domain.conditions.ast import NOWHERE, Position

# Messages quote at most this much of the condition text: conditions may hold personal values.
MAX_QUOTE = 20


class ConditionError(InvalidArgument):
    """A condition that does not parse or does not pass the checks.

    The message starts with "line L, column C: " when the position is known (text input); trees
    read from a proto have no positions and name the offending field path instead.
    """

    def __init__(
        self, message: str, position: Position = NOWHERE, field: str = "condition"
    ) -> None:
        located = position.line > 0
        text = f"line {position.line}, column {position.column}: {message}" if located else message
        where = {"line": position.line, "column": position.column} if located else {}
        super().__init__("INVALID_CONDITION", text, field=field, **where)
        self.position = position
        self.detail = message

    def for_field(self, field: str) -> ConditionError:
        """The same error reported against another request field."""
        return self if field == self.field else ConditionError(self.detail, self.position, field)


def quote(text: str) -> str:
    """`text` in double quotes, cut to MAX_QUOTE characters."""
    cut = text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"
    return f'"{cut}"'
