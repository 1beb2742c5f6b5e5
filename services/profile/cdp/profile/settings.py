"""The profile service's settings: the only reader of the environment (given as a mapping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdp.config import get_float, get_int
from cdp.grpcx.runtime import CommonSettings


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    identity_timeout: float  # seconds per call to the identity service
    max_workers: int  # gRPC server threads
    segmentation_timeout: float = 30.0  # seconds per delivery to segmentation
    relay_max_items: int = 2000  # updates per delivery round to segmentation

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            common=CommonSettings.from_env("profile", env),
            identity_timeout=get_float(env, "CDP_PROFILE_IDENTITY_TIMEOUT", 5.0),
            max_workers=get_int(env, "CDP_PROFILE_MAX_WORKERS", 16),
            segmentation_timeout=get_float(env, "CDP_PROFILE_SEGMENTATION_TIMEOUT", 30.0),
            relay_max_items=get_int(env, "CDP_PROFILE_RELAY_MAX_ITEMS", 2000),
        )
