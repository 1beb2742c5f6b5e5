"""Key-encryption keys, the data-key cache, and caller tokens."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cdp.grpcx.tokens import InvalidToken, TokenIssuer, TokenVerifier
from cdp.pii.kek import LocalKeyFileProvider, MountedSecretProvider
from cdp.pii.keycache import CachedKeySource
from cdp.pii.vault import SubjectKey

SUBJECT = "sub_" + "a" * 24


def test_the_local_kek_file_is_private_and_unwraps_what_it_wrapped(tmp_path: Path) -> None:
    provider = LocalKeyFileProvider(tmp_path / "kek.json")
    version, wrapped = provider.wrap(b"d" * 32, SUBJECT)
    assert (tmp_path / "kek.json").stat().st_mode & 0o777 == 0o600
    assert (
        LocalKeyFileProvider(tmp_path / "kek.json").unwrap(version, wrapped, SUBJECT) == b"d" * 32
    )


def test_a_wrapped_key_cannot_be_swapped_to_another_subject(tmp_path: Path) -> None:
    provider = LocalKeyFileProvider(tmp_path / "kek.json")
    version, wrapped = provider.wrap(b"d" * 32, SUBJECT)
    with pytest.raises(ValueError):
        provider.unwrap(version, wrapped, "sub_" + "b" * 24)


def test_rotation_adds_a_version_and_old_wraps_still_open(tmp_path: Path) -> None:
    provider = LocalKeyFileProvider(tmp_path / "kek.json")
    old_version, wrapped = provider.wrap(b"d" * 32, SUBJECT)
    assert provider.rotate() == old_version + 1
    assert provider.wrap(b"e" * 32, SUBJECT)[0] == old_version + 1
    assert provider.unwrap(old_version, wrapped, SUBJECT) == b"d" * 32


def test_raising_the_minimum_version_retires_older_keks_for_good(tmp_path: Path) -> None:
    provider = LocalKeyFileProvider(tmp_path / "kek.json")
    old_version, old_wrap = provider.wrap(b"d" * 32, SUBJECT)
    new_version = provider.rotate()
    new_wrap = provider.wrap(b"d" * 32, SUBJECT)[1]
    provider.raise_min_version(new_version)
    reloaded = LocalKeyFileProvider(tmp_path / "kek.json")
    assert reloaded.unwrap(new_version, new_wrap, SUBJECT) == b"d" * 32
    with pytest.raises(KeyError, match="retired"):
        reloaded.unwrap(old_version, old_wrap, SUBJECT)
    assert str(old_version) not in json.loads((tmp_path / "kek.json").read_text())["versions"]


def test_a_mounted_secret_directory_supplies_versioned_keks(tmp_path: Path) -> None:
    import base64
    import os

    for version in (1, 2):
        (tmp_path / f"kek-{version}").write_text(base64.b64encode(os.urandom(32)).decode())
    provider = MountedSecretProvider(tmp_path)
    version, wrapped = provider.wrap(b"d" * 32, SUBJECT)
    assert version == 2
    assert provider.unwrap(version, wrapped, SUBJECT) == b"d" * 32


def test_the_key_cache_fetches_once_within_its_ttl_and_again_after() -> None:
    calls: list[list[str]] = []

    def fetch(subject_ids, create):
        calls.append(list(subject_ids))
        return {s: SubjectKey(s, 1, b"k" * 32) for s in subject_ids}

    cache = CachedKeySource(fetch, ttl=0.2)
    cache.get_keys([SUBJECT], True)
    cache.get_keys([SUBJECT], True)
    assert calls == [[SUBJECT]]
    time.sleep(0.25)
    cache.get_keys([SUBJECT], True)
    assert len(calls) == 2


def test_invalidating_the_cache_forces_a_fresh_fetch() -> None:
    calls: list[list[str]] = []
    cache = CachedKeySource(lambda ids, create: calls.append(list(ids)) or {}, ttl=60)
    cache.get_keys([SUBJECT], False)
    cache.invalidate([SUBJECT])
    cache.get_keys([SUBJECT], False)
    assert len(calls) == 2


def test_a_valid_token_names_its_roles() -> None:
    key = Ed25519PrivateKey.generate()
    caller = TokenVerifier(key.public_key()).verify(TokenIssuer(key).mint("svc", ("service",)))
    assert caller.roles == frozenset({"service"})


def test_forged_expired_and_overlong_tokens_are_refused() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    verifier = TokenVerifier(key.public_key())
    with pytest.raises(InvalidToken):
        verifier.verify(TokenIssuer(other).mint("x", ("service",)))
    now = int(time.time())
    expired = jwt.encode(
        {"sub": "x", "aud": "cdp", "iss": "cdp-dev", "iat": now - 100, "exp": now - 60},
        key,
        algorithm="EdDSA",
    )
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(expired)
    overlong = jwt.encode(
        {"sub": "x", "aud": "cdp", "iss": "cdp-dev", "iat": now, "exp": now + 3600},
        key,
        algorithm="EdDSA",
    )
    with pytest.raises(InvalidToken, match="15 minutes"):
        verifier.verify(overlong)
