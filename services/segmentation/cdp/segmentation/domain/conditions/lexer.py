"""Splits condition text into tokens, each with its 1-based line and column."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from cdp.segmentation.domain.conditions.ast import Position
from cdp.segmentation.domain.conditions.errors import ConditionError, quote


class Kind(Enum):
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    DURATION = "duration"
    SYMBOL = "symbol"
    END = "end"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    position: Position
    value: object = None  # the decoded string of a STRING token

    def describe(self) -> str:
        """The token as error messages show it (string contents are never repeated)."""
        if self.kind is Kind.END:
            return "the end of the condition"
        if self.kind is Kind.STRING:
            return "a string"
        return quote(self.text)


_SPACE = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# ASCII digits only: str.isdigit() also accepts "²" and other scripts' digits.
_NUMBER_START = re.compile(r"-?[0-9]")
_WORD_TAIL = re.compile(r"[A-Za-z0-9_]+")
# JSON's string grammar: no raw control characters, any backslash escape (json.loads judges it).
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SYMBOLS = ("==", "!=", "<=", ">=", "<", ">", "=", "(", ")", "[", "]", ",", ".")


class _Cursor:
    """Offset into the text plus the line/column bookkeeping."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1
        self.line_start = 0

    @property
    def position(self) -> Position:
        return Position(self.line, self.offset - self.line_start + 1)

    def advance(self, length: int) -> str:
        taken = self.text[self.offset : self.offset + length]
        newlines = taken.count("\n")
        if newlines:
            self.line += newlines
            self.line_start = self.offset + taken.rindex("\n") + 1
        self.offset += length
        return taken


def tokens(text: str) -> Iterator[Token]:
    """The tokens of `text`, ending with one END token."""
    cursor = _Cursor(text)
    while True:
        space = _SPACE.match(text, cursor.offset)
        if space:
            cursor.advance(space.end() - space.start())
        if cursor.offset >= len(text):
            yield Token(Kind.END, "", cursor.position)
            return
        yield _token(cursor)


def _token(cursor: _Cursor) -> Token:
    text, at, position = cursor.text, cursor.offset, cursor.position
    char = text[at]
    if char == '"':
        return _string(cursor)
    if _NUMBER_START.match(text, at):
        return _number(cursor)
    word = _IDENT.match(text, at)
    if word:
        return Token(Kind.IDENT, cursor.advance(word.end() - at), position)
    for symbol in _SYMBOLS:
        if text.startswith(symbol, at):
            return Token(Kind.SYMBOL, cursor.advance(len(symbol)), position)
    raise ConditionError(f"unexpected character {quote(char)}", position)


def _number(cursor: _Cursor) -> Token:
    """A number, or a duration such as 30d (digits followed at once by a unit)."""
    position = cursor.position
    number = _NUMBER.match(cursor.text, cursor.offset)
    assert number is not None  # _token only calls this in front of a digit
    tail = _WORD_TAIL.match(cursor.text, number.end())
    if tail is None:
        return Token(Kind.NUMBER, cursor.advance(number.end() - number.start()), position)
    raw = cursor.text[number.start() : tail.end()]
    if not number.group().isdigit():
        raise ConditionError(f"expected a number or a duration, found {quote(raw)}", position)
    return Token(Kind.DURATION, cursor.advance(len(raw)), position)


def _string(cursor: _Cursor) -> Token:
    position = cursor.position
    raw = _STRING.match(cursor.text, cursor.offset)
    if raw is None:
        raise ConditionError(
            'unterminated string (strings end with " on the same line; escape " as \\")',
            position,
        )
    try:
        value = json.loads(raw.group())
    except ValueError:
        raise ConditionError(
            'invalid escape in string (use \\" \\\\ \\n \\t or \\uXXXX)', position
        ) from None
    if _LONE_SURROGATE.search(value):
        # Stores and protos hold UTF-8, which has no encoding for half a surrogate pair.
        raise ConditionError(
            "a \\u escape in the string is half of a surrogate pair (give both halves)", position
        )
    return Token(Kind.STRING, cursor.advance(raw.end() - raw.start()), position, value)
