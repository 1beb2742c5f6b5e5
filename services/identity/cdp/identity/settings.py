"""Identity's settings: the only reader of the environment (common settings plus the resolution rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdp.config import ConfigError, get_int
from cdp.grpcx.runtime import CommonSettings
from cdp.identity.domain.rules import RuleError, Rules, parse_blocked, parse_limits, parse_priority

SERVICE = "identity"


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    rules: Rules
    # Changes per ApplyProfileChanges call; one entry (a whole ResolveEvents call) is never split.
    relay_max_items: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        try:
            rules = Rules(
                limits=parse_limits(env.get("CDP_IDENTITY_LIMITS")),
                priority=parse_priority(env.get("CDP_IDENTITY_PRIORITY")),
                blocked_pattern=parse_blocked(env.get("CDP_IDENTITY_BLOCKED_REGEX")),
            )
        except RuleError as exc:
            raise ConfigError(str(exc)) from exc
        return cls(
            common=CommonSettings.from_env(SERVICE, env),
            rules=rules,
            relay_max_items=get_int(env, "CDP_IDENTITY_RELAY_MAX_ITEMS", 2000),
        )
