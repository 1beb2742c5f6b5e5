"""Typed settings helpers: callers pass the environment as a mapping; nothing here reads os.environ."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class ConfigError(ValueError):
    """A setting is missing or malformed."""


def get_str(env: Mapping[str, str], key: str, default: str | None = None) -> str:
    value = env.get(key, default)
    if value is None or value == "":
        raise ConfigError(f"{key} is required")
    return value


def get_int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{key} must be an integer, got {raw!r}") from exc


def get_float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{key} must be a number, got {raw!r}") from exc


def get_list(env: Mapping[str, str], key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = env.get(key)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


# Default ports of the suite (architecture.md section 6).
DEFAULT_PORTS = {
    "ingestion": 50051,
    "identity": 50052,
    "profile": 50053,
    "segmentation": 50054,
    "consent": 50055,
}
SERVICES = tuple(DEFAULT_PORTS)


def data_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("CDP_DATA_DIR", ".cdp")).resolve()
