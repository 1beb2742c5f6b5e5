"""Literal values and durations in text form: reading and printing them so they read back equal."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime, timedelta

from cdp.segmentation.domain.conditions.ast import Literal, Timestamp

# Integers beyond 2**53 would silently change in the proto's double and the store's float column.
MAX_EXACT_INT = 2**53
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_MICROS = (datetime(1, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
MAX_MICROS = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - EPOCH) // timedelta(
    microseconds=1
)
SECOND = 1_000_000
# Largest first: format_duration prints the first unit that divides the duration exactly.
UNITS = {
    "w": 7 * 86_400 * SECOND,
    "d": 86_400 * SECOND,
    "h": 3600 * SECOND,
    "m": 60 * SECOND,
    "s": SECOND,
}
# Windows past a century mean "all time"; the cap keeps now - within inside 64-bit microseconds.
MAX_WITHIN_MICROS = 36_500 * UNITS["d"]
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ValueProblem(ValueError):
    """A literal that does not read; the message says why (the caller adds the position)."""


def number(text: str) -> int | float:
    """An int for plain digits, a float when there is a fraction or an exponent."""
    if any(mark in text for mark in ".eE"):
        value = float(text)
        if not math.isfinite(value):
            raise ValueProblem("number out of range")
        return value
    whole = int(text)
    if abs(whole) > MAX_EXACT_INT:
        raise ValueProblem(f"integer out of range (at most {MAX_EXACT_INT} either side of 0)")
    return whole


def timestamp(text: str) -> Timestamp:
    """An ISO-8601 instant with a time zone offset (or Z)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueProblem(
            "expected an ISO-8601 timestamp such as 2026-01-01T00:00:00+07:00"
        ) from None
    if moment.tzinfo is None:
        raise ValueProblem("timestamp needs a time zone offset, e.g. +07:00")
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    if not MIN_MICROS <= micros <= MAX_MICROS:
        raise ValueProblem("timestamp out of range (years 1 to 9999, UTC)")
    return Timestamp(micros)


def day(text: str) -> Timestamp:
    """YYYY-MM-DD as that day's 00:00 UTC."""
    problem = ValueProblem("expected a date such as 2026-01-31")
    if not _DATE.fullmatch(text):
        raise problem
    try:
        start = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        raise problem from None
    return Timestamp((start - EPOCH) // timedelta(microseconds=1))


def duration(text: str) -> int:
    """`30d` as microseconds: an integer N >= 1 followed by s, m, h, d or w."""
    count, unit = _split_duration(text)
    if unit not in UNITS:
        raise ValueProblem("expected a duration such as 30d (units s, m, h, d, w)")
    if count < 1:
        raise ValueProblem("a duration is at least 1 of its unit, e.g. 1d")
    if count * UNITS[unit] > MAX_WITHIN_MICROS:
        raise ValueProblem("a duration is at most 36500d (100 years)")
    return count * UNITS[unit]


def _split_duration(text: str) -> tuple[int, str]:
    split = len(text) - len(text.lstrip("0123456789"))
    return int(text[:split]), text[split:]


def format_duration(micros: int) -> str:
    """The largest unit that divides `micros` exactly (whole seconds only)."""
    if micros <= 0:
        raise ValueError("a window's within is positive")
    for unit, size in UNITS.items():
        if micros % size == 0:
            return f"{micros // size}{unit}"
    raise ValueError("a window's within is a whole number of seconds")


def format_timestamp(value: Timestamp) -> str:
    moment = EPOCH + timedelta(microseconds=value.micros)
    return 'timestamp("' + moment.isoformat().replace("+00:00", "Z") + '")'


def format_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def format_literal(value: Literal) -> str:
    # bool before int: bool is a subclass of int.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Timestamp):
        return format_timestamp(value)
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise ValueError(f"not a literal: {type(value).__name__}")


def format_key(prefix: str, key: str) -> str:
    """traits.key when the key is an identifier, traits["key"] otherwise."""
    return f"{prefix}.{key}" if _IDENT.fullmatch(key) else f"{prefix}[{format_string(key)}]"


def is_identifier(text: str) -> bool:
    return _IDENT.fullmatch(text) is not None
