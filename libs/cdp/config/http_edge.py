"""The HTTP edge's fixed default port and its write keys: where they live, how they are hashed."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections.abc import Mapping
from pathlib import Path

from cdp.config import ConfigError

# architecture.md section 6: the Segment-compatible HTTP edge of the ingestion service.
DEFAULT_HTTP_PORT = 8088
# The source of the dev write key `cdp up` creates; dedup of message ids is per source.
DEV_SOURCE = "dev"


def write_keys_path(env: Mapping[str, str], root: Path) -> Path:
    """CDP_WRITE_KEYS_FILE, else <data_dir>/keys/write_keys.json."""
    raw = env.get("CDP_WRITE_KEYS_FILE", "")
    return Path(raw) if raw else root / "keys" / "write_keys.json"


def dev_write_key_path(root: Path) -> Path:
    return root / "tokens" / "write_key"


def hash_write_key(write_key: str) -> str:
    """Only this digest is stored: a leaked keys file does not let anyone send events."""
    return hashlib.sha256(write_key.encode()).hexdigest()


def read_write_keys(path: Path) -> dict[str, str]:
    """{source: sha256 hex of its write key}; a missing file holds no keys."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not a readable JSON object of source -> hash") from exc
    if not isinstance(document, dict) or not all(
        isinstance(digest, str) for digest in document.values()
    ):
        raise ConfigError(f"{path} must map each source to the sha256 hex of its write key")
    return {str(source): digest.lower() for source, digest in document.items()}


class WriteKeys:
    """The source a write key belongs to, from the keys file (read again whenever it changes)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._sources: dict[str, str] = {}

    def check(self) -> None:
        self._current()

    def source(self, write_key: str) -> str | None:
        # Keyed by the digest: a lookup's timing says nothing useful about the key itself.
        return self._current().get(hash_write_key(write_key)) if write_key else None

    def _current(self) -> dict[str, str]:
        try:
            stat = self._path.stat()
            stamp: tuple[int, int, int] | None = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp or stamp is None:
                keys = read_write_keys(self._path)
                self._sources = {digest: source for source, digest in keys.items()}
                self._stamp = stamp
            return self._sources


def ensure_dev_write_key(root: Path, keys_file: Path) -> str:
    """First run of `cdp up`: a dev write key in tokens/write_key, its hash in the keys file."""
    key_path = dev_write_key_path(root)
    if key_path.exists():
        write_key = key_path.read_text().strip()
    else:
        write_key = secrets.token_urlsafe(24)
        key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_private(key_path, write_key)
    keys = read_write_keys(keys_file)
    if keys.get(DEV_SOURCE) != hash_write_key(write_key):
        keys[DEV_SOURCE] = hash_write_key(write_key)
        keys_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_private(keys_file, json.dumps(keys, indent=2, sort_keys=True))
    return write_key


def _write_private(path: Path, text: str) -> None:
    """Written 0600 beside the target, then renamed: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a leftover temporary file keeps its old mode otherwise
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)
