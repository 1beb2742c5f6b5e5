"""Consent service settings: the only reader of the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cdp.config import data_dir
from cdp.grpcx.runtime import CommonSettings


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    kek_file: Path | None  # dev: a local key file
    kek_dir: Path | None  # production: a mounted Secret with kek-<version> files

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        kek_dir = env.get("CDP_KEK_DIR")
        default_file = data_dir(env) / "keys" / "kek.json"
        return cls(
            common=CommonSettings.from_env("consent", env),
            kek_file=None if kek_dir else Path(env.get("CDP_KEK_FILE", default_file)),
            kek_dir=Path(kek_dir) if kek_dir else None,
        )
