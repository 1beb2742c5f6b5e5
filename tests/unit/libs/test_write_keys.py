"""The HTTP edge's write keys: the dev key `cdp up` creates, stored hashed, files 0600."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cdp.config import ConfigError
from cdp.config.http_edge import (
    DEV_SOURCE,
    dev_write_key_path,
    ensure_dev_write_key,
    hash_write_key,
    read_write_keys,
    write_keys_path,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_first_run_creates_a_dev_key_and_stores_only_its_hash(tmp_path: Path) -> None:
    keys_file = write_keys_path({}, tmp_path)
    write_key = ensure_dev_write_key(tmp_path, keys_file)

    assert dev_write_key_path(tmp_path).read_text() == write_key
    assert read_write_keys(keys_file) == {DEV_SOURCE: hash_write_key(write_key)}
    assert write_key not in keys_file.read_text()
    assert _mode(keys_file) == 0o600 and _mode(dev_write_key_path(tmp_path)) == 0o600


def test_later_runs_keep_the_key_and_other_sources(tmp_path: Path) -> None:
    keys_file = tmp_path / "elsewhere" / "write_keys.json"
    first = ensure_dev_write_key(tmp_path, keys_file)
    keys_file.write_text(json.dumps({**read_write_keys(keys_file), "ios": "ab" * 32}))

    assert ensure_dev_write_key(tmp_path, keys_file) == first
    assert set(read_write_keys(keys_file)) == {DEV_SOURCE, "ios"}


def test_the_keys_file_location_can_be_configured(tmp_path: Path) -> None:
    assert write_keys_path({"CDP_WRITE_KEYS_FILE": "/etc/cdp/keys.json"}, tmp_path) == Path(
        "/etc/cdp/keys.json"
    )
    assert write_keys_path({}, tmp_path) == tmp_path / "keys" / "write_keys.json"


@pytest.mark.parametrize("content", ["[]", '{"web": 1}', "{"])
def test_a_malformed_keys_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "write_keys.json"
    path.write_text(content)
    with pytest.raises(ConfigError):
        read_write_keys(path)
