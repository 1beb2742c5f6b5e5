"""Ingestion service settings: the only reader of the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdp.config import get_list
from cdp.grpcx.runtime import CommonSettings


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    # Keys whose values are personal at any depth (CDP_PII_KEYS); None = the suite's classification.
    # Identifier keys (email, phone, userId, ...) stay personal whatever this says.
    pii_keys: tuple[str, ...] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        pii_keys = get_list(env, "CDP_PII_KEYS") if env.get("CDP_PII_KEYS", "").strip() else None
        return cls(common=CommonSettings.from_env("ingestion", env), pii_keys=pii_keys)
