"""Key-encryption keys: data keys are stored only wrapped by a KEK from a KeyProvider."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class KeyProvider(Protocol):
    """Where the KEK lives: a local file in dev, a mounted secret or a KMS/Vault transit in production."""

    def current_version(self) -> int: ...

    def wrap(self, dek: bytes, subject_id: str) -> tuple[int, bytes]: ...

    def unwrap(self, version: int, wrapped: bytes, subject_id: str) -> bytes: ...


class _VersionedKeks:
    """Wraps with AES-256-GCM under a versioned KEK, AAD = subject id (a wrapped DEK cannot be swapped).

    Versions below `min_version` no longer unwrap: after a rotation has rewrapped every data key, raising
    the minimum retires the old KEK, so a copy of it (or of an old key-store backup) is worthless.
    """

    def __init__(self, keks: dict[int, bytes], min_version: int = 1) -> None:
        if not keks:
            raise ValueError("no key-encryption key found")
        self._keks = keks
        self.min_version = min_version

    def current_version(self) -> int:
        return max(self._keks)

    def wrap(self, dek: bytes, subject_id: str) -> tuple[int, bytes]:
        version = self.current_version()
        nonce = os.urandom(12)
        return version, nonce + AESGCM(self._keks[version]).encrypt(nonce, dek, subject_id.encode())

    def unwrap(self, version: int, wrapped: bytes, subject_id: str) -> bytes:
        if version < self.min_version:
            raise KeyError(
                f"key-encryption key version {version} is retired (minimum {self.min_version})"
            )
        kek = self._keks.get(version)
        if kek is None:
            raise KeyError(f"key-encryption key version {version} is not available")
        try:
            return AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], subject_id.encode())
        except InvalidTag as exc:
            raise ValueError(f"wrapped data key for {subject_id} does not open") from exc


class LocalKeyFileProvider(_VersionedKeks):
    """Dev: a JSON file {"versions": {"1": base64}} created with 0600 on first use; rotate() adds a version."""

    def __init__(self, path: Path) -> None:
        self._path = path
        if not path.exists():
            _write_private(path, {"versions": {"1": _new_key()}})
        data = json.loads(path.read_text())
        super().__init__(_load_versions(data["versions"]), data.get("min_version", 1))

    def raise_min_version(self, version: int) -> None:
        """Retires every older KEK version: they are deleted from the file, not just refused."""
        data = json.loads(self._path.read_text())
        data["versions"] = {v: k for v, k in data["versions"].items() if int(v) >= version}
        data["min_version"] = version
        _write_private(self._path, data)
        self._keks = {v: k for v, k in self._keks.items() if v >= version}
        self.min_version = version

    def rotate(self) -> int:
        data = json.loads(self._path.read_text())
        version = self.current_version() + 1
        data["versions"][str(version)] = _new_key()
        _write_private(self._path, data)
        self._keks[version] = base64.b64decode(data["versions"][str(version)])
        return version


class MountedSecretProvider(_VersionedKeks):
    """Production: a read-only directory (a Kubernetes Secret volume) with one file per version, `kek-<n>`."""

    def __init__(self, directory: Path) -> None:
        files = {
            int(p.name.removeprefix("kek-")): p.read_text().strip() for p in directory.glob("kek-*")
        }
        super().__init__(_load_versions(files))


def _load_versions(versions: dict) -> dict[int, bytes]:
    keks = {int(v): base64.b64decode(k) for v, k in versions.items()}
    if any(len(k) != 32 for k in keks.values()):
        raise ValueError("every key-encryption key must be 32 bytes")
    return keks


def _new_key() -> str:
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def _write_private(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)
