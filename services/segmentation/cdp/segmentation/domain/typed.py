"""What type a value is: the one definition the trait columns, the SQL compiler and tests share."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from cdp.segmentation.domain.conditions.ast import Literal, Timestamp

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Only the extended calendar form reads as an instant: "20260101" or "2026-W01" are just strings.
_INSTANT_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Kind(Enum):
    """The types a comparison can use; a literal's kind picks the column it is compared with."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"


# Kinds an event property can have: JSON has no instants.
PROPERTY_KINDS = (Kind.STRING, Kind.NUMBER, Kind.BOOLEAN)


def literal_kind(literal: Literal) -> Kind:
    # bool before number: bool is a subclass of int.
    if isinstance(literal, bool):
        return Kind.BOOLEAN
    if isinstance(literal, Timestamp):
        return Kind.TIMESTAMP
    if isinstance(literal, str):
        return Kind.STRING
    return Kind.NUMBER


def scalar_kind(value: Any) -> Kind | None:
    """STRING, NUMBER or BOOLEAN for a JSON scalar; None for null, lists, objects and NaN/inf."""
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, str):
        return Kind.STRING
    if isinstance(value, int | float) and _finite(value):
        return Kind.NUMBER
    return None


def instant_micros(text: str) -> int | None:
    """Microseconds since the epoch when `text` reads as an ISO-8601 instant, else None.

    With an offset (or Z) it is that instant; a naive date-time is taken as UTC; a date alone is
    that day's 00:00 UTC.
    """
    if not _INSTANT_START.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def trait_value(value: Any, kind: Kind) -> str | float | bool | int | None:
    """A trait's value as `kind` (TIMESTAMP: micros of a string instant); None when not of it."""
    if kind is Kind.TIMESTAMP:
        return instant_micros(value) if isinstance(value, str) else None
    return property_value(value, kind)


def property_value(value: Any, kind: Kind) -> str | float | bool | None:
    """An event property's value as `kind`, or None when it has another type (never TIMESTAMP)."""
    if scalar_kind(value) is not kind:
        return None
    return float(value) if kind is Kind.NUMBER else value


def typed_columns(value: Any) -> dict[str, Any]:
    """The seg_traits columns for a non-personal trait's JSON value."""
    return {
        "value_json": value_json(value),
        "str_value": trait_value(value, Kind.STRING),
        "num_value": trait_value(value, Kind.NUMBER),
        "bool_value": trait_value(value, Kind.BOOLEAN),
        "ts_value": trait_value(value, Kind.TIMESTAMP),
    }


def value_json(value: Any) -> str:
    """Compact JSON text; NaN and infinities become null, as JSON has no spelling for them."""
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _finite(number: int | float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int too large for a float
        return False
