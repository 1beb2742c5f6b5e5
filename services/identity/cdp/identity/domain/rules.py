"""Identity resolution rules in the manner of Segment Unify: per-type limits, priority, blocked values."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cdp.pii.normalize import is_blocked

CUSTOM = "custom"  # the limit and rank of every identifier type not named explicitly
DEFAULT_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "user_id": 1,
        "email": 5,
        "phone": 5,
        "device_id": 10,
        "anonymous_id": 1000,
        CUSTOM: 5,
    }
)
DEFAULT_PRIORITY = ("user_id", "email", "phone", "device_id", "anonymous_id", CUSTOM)


class RuleError(ValueError):
    """A rule setting is malformed (the message names the setting, never a value of a person)."""


@dataclass(frozen=True)
class Rules:
    limits: Mapping[str, int] = field(default_factory=lambda: DEFAULT_LIMITS)
    priority: tuple[str, ...] = DEFAULT_PRIORITY
    blocked_pattern: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        if any(limit < 1 for limit in self.limits.values()):
            raise RuleError("every identifier limit must be at least 1")

    def limit(self, id_type: str) -> int:
        return self.limits.get(id_type, self.limits.get(CUSTOM, DEFAULT_LIMITS[CUSTOM]))

    def rank(self, id_type: str) -> int:
        """0 is the highest priority; unnamed types rank with `custom`."""
        if id_type in self.priority:
            return self.priority.index(id_type)
        if CUSTOM in self.priority:
            return self.priority.index(CUSTOM)
        return len(self.priority)

    def limit_rule(self, id_type: str) -> str:
        return f"limit {id_type} <= {self.limit(id_type)}"

    def is_blocked_value(self, normalized: str) -> bool:
        if is_blocked(normalized):
            return True
        return (
            self.blocked_pattern is not None
            and self.blocked_pattern.fullmatch(normalized) is not None
        )

    def first_violation(self, counts: Counter[str], allowed: Mapping[str, int]) -> str | None:
        """The first type whose count passes its limit (or the count it already had, if higher)."""
        for id_type, count in counts.items():
            if count > max(self.limit(id_type), allowed.get(id_type, 0)):
                return id_type
        return None


def parse_limits(raw: str | None) -> dict[str, int]:
    """ "user_id=1,email=5" over the defaults; every limit must be at least 1."""
    limits = dict(DEFAULT_LIMITS)
    for item in _items(raw):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit() or int(value) < 1:
            raise RuleError("CDP_IDENTITY_LIMITS entries must look like type=N with N >= 1")
        limits[name.strip()] = int(value)
    return limits


def parse_priority(raw: str | None) -> tuple[str, ...]:
    """ "user_id,email,..." highest first; `custom` is appended when missing."""
    names = tuple(_items(raw)) or DEFAULT_PRIORITY
    if len(set(names)) != len(names):
        raise RuleError("CDP_IDENTITY_PRIORITY names a type twice")
    return names if CUSTOM in names else (*names, CUSTOM)


def parse_blocked(raw: str | None) -> re.Pattern[str] | None:
    if not raw:
        return None
    try:
        return re.compile(raw)
    except re.error as exc:
        raise RuleError("CDP_IDENTITY_BLOCKED_REGEX is not a valid regular expression") from exc


def _items(raw: str | None) -> Iterable[str]:
    return (item.strip() for item in (raw or "").split(",") if item.strip())
