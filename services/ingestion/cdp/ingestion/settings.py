"""Ingestion service settings: the only reader of the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cdp.config import ConfigError, data_dir, get_int, get_list
from cdp.config.http_edge import DEFAULT_HTTP_PORT, write_keys_path
from cdp.grpcx.runtime import CommonSettings


@dataclass(frozen=True)
class HttpSettings:
    """The Segment-compatible HTTP edge: HOST, CDP_HTTP_PORT (0 = any free port),
    CDP_WRITE_KEYS_FILE and CDP_HTTP_ALLOWED_ORIGINS (comma-separated, "*" = any origin)."""

    host: str
    port: int
    write_keys_file: Path
    allowed_origins: tuple[str, ...] = ("*",)

    @classmethod
    def from_env(cls, env: Mapping[str, str], host: str) -> HttpSettings:
        port = get_int(env, "CDP_HTTP_PORT", DEFAULT_HTTP_PORT)
        if not 0 <= port <= 65535:
            raise ConfigError(f"CDP_HTTP_PORT must be between 0 and 65535, got {port}")
        return cls(
            host=host,
            port=port,
            write_keys_file=write_keys_path(env, data_dir(env)),
            allowed_origins=get_list(env, "CDP_HTTP_ALLOWED_ORIGINS", ("*",)),
        )


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    # Keys whose values are personal at any depth (CDP_PII_KEYS); None = the suite's classification.
    # Identifier keys (email, phone, userId, ...) stay personal whatever this says.
    pii_keys: tuple[str, ...] | None = None
    # None only for settings built by hand: from_env always configures the HTTP edge.
    http: HttpSettings | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        pii_keys = get_list(env, "CDP_PII_KEYS") if env.get("CDP_PII_KEYS", "").strip() else None
        common = CommonSettings.from_env("ingestion", env)
        return cls(common=common, pii_keys=pii_keys, http=HttpSettings.from_env(env, common.host))
