"""Consent service settings: the only reader of the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cdp.config import data_dir, get_float, get_int
from cdp.consent.domain.deadlines import DEFAULT_HOLIDAYS
from cdp.consent.domain.keys import DEFAULT_USAGE_BUDGET
from cdp.grpcx.runtime import CommonSettings


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    kek_file: Path | None  # dev: a local key file
    kek_dir: Path | None  # production: a mounted Secret with kek-<version> files
    kek_min_version: int  # production: raise after a rotation has rewrapped every data key
    dek_usage_budget: int  # encryptions per data-key version before it is rotated (R16)
    audit_signing_key: Path
    receipt_signing_key: Path
    tombstone_log: Path  # beside the key store, never inside its database
    holidays_file: Path
    audit_checkpoint_every: int
    audit_checkpoint_minutes: float
    controller: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        root = data_dir(env)
        kek_dir = env.get("CDP_KEK_DIR")
        return cls(
            common=CommonSettings.from_env("consent", env),
            kek_file=None if kek_dir else Path(env.get("CDP_KEK_FILE", root / "keys" / "kek.json")),
            kek_dir=Path(kek_dir) if kek_dir else None,
            kek_min_version=get_int(env, "CDP_KEK_MIN_VERSION", 1),
            dek_usage_budget=get_int(env, "CDP_DEK_USAGE_BUDGET", DEFAULT_USAGE_BUDGET),
            audit_signing_key=Path(env.get("CDP_AUDIT_SIGNING_KEY", root / "keys" / "audit.pem")),
            receipt_signing_key=Path(
                env.get("CDP_RECEIPT_SIGNING_KEY", root / "keys" / "receipt.pem")
            ),
            tombstone_log=Path(env.get("CDP_TOMBSTONE_LOG", root / "keys" / "tombstones.log")),
            holidays_file=Path(env.get("CDP_HOLIDAYS_FILE", DEFAULT_HOLIDAYS)),
            audit_checkpoint_every=get_int(env, "CDP_AUDIT_CHECKPOINT_EVERY", 100),
            audit_checkpoint_minutes=get_float(env, "CDP_AUDIT_CHECKPOINT_MINUTES", 5.0),
            controller=env.get("CDP_CONTROLLER", "the controller running this CDP suite"),
        )
