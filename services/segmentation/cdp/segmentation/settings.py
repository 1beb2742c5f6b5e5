"""The segmentation service's settings: the only reader of the environment (given as a mapping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdp.config import get_float, get_int
from cdp.grpcx.runtime import CommonSettings


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    consent_timeout: float  # seconds per CheckConsent call
    profile_timeout: float  # seconds per ApplyComputedTraits call
    recheck_interval: float  # seconds between re-checks of sliding windows and unknown consent
    max_workers: int  # gRPC server threads (each open watch stream holds one)
    max_watches: int  # concurrent WatchSegmentMembership streams

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            common=CommonSettings.from_env("segmentation", env),
            consent_timeout=get_float(env, "CDP_SEGMENTATION_CONSENT_TIMEOUT", 5.0),
            profile_timeout=get_float(env, "CDP_SEGMENTATION_PROFILE_TIMEOUT", 10.0),
            recheck_interval=get_float(env, "CDP_SEGMENTATION_RECHECK_SECONDS", 60.0),
            max_workers=get_int(env, "CDP_SEGMENTATION_MAX_WORKERS", 48),
            max_watches=get_int(env, "CDP_SEGMENTATION_MAX_WATCHES", 32),
        )
