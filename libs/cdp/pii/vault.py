"""AES-256-GCM sealing under per-subject data keys, with AAD binding each ciphertext to its place."""

from __future__ import annotations

import functools
import json
import os
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_V1 = 1
_HEADER = struct.Struct(">BI")  # format byte, data-key version
NONCE_BYTES = 12


class SubjectErased(Exception):
    """The subject's data key was destroyed: nothing of theirs can be sealed or opened again."""

    def __init__(self, subject_id: str) -> None:
        super().__init__(f"subject {subject_id} was erased")
        self.subject_id = subject_id


class Unreadable(Exception):
    """A ciphertext does not open: wrong subject, field, table, version, or tampered bytes."""


@dataclass(frozen=True)
class SubjectKey:
    subject_id: str
    version: int
    key: bytes | None  # None when destroyed
    destroyed: bool = False
    previous: Mapping[int, bytes] = field(
        default_factory=dict
    )  # older versions, for older ciphertexts

    @functools.cached_property
    def cipher(self) -> AESGCM:
        """Built once per cached key (building AESGCM costs more than sealing a short value)."""
        return AESGCM(self.key)

    def cipher_for(self, version: int) -> AESGCM:
        if version == self.version:
            return self.cipher
        older = self.previous.get(version)
        if older is None:
            raise Unreadable(f"data key version {version} of {self.subject_id} is not available")
        return AESGCM(older)


class KeySource(Protocol):
    def get_keys(self, subject_ids: Sequence[str], create: bool) -> dict[str, SubjectKey]:
        """Keys by subject id; missing ones absent unless create; destroyed ones flagged."""
        ...


@dataclass(frozen=True)
class Aad:
    """Where a ciphertext belongs; moving it anywhere else makes it unreadable."""

    service: str
    table: str
    field: str
    subject_id: str
    tenant: str = "default"
    schema_version: int = 1

    def encode(self, dek_version: int) -> bytes:
        return _encode_aad(self, dek_version)


@functools.lru_cache(maxsize=65536)
def _encode_aad(aad: Aad, dek_version: int) -> bytes:
    parts = [aad.tenant, aad.subject_id, aad.service, aad.table, aad.field]
    return json.dumps([*parts, aad.schema_version, dek_version]).encode()


class Vault:
    """Seals and opens personal values; the only holder of data keys in a service."""

    def __init__(self, keys: KeySource) -> None:
        self._keys = keys
        self._record_use = getattr(keys, "record_use", None)

    def prefetch(self, subject_ids: Iterable[str], create: bool = True) -> dict[str, SubjectKey]:
        """One round trip for a whole batch; later seal/open calls hit the cache."""
        return self._keys.get_keys(sorted(set(subject_ids)), create)

    def seal(self, plaintext: bytes, aad: Aad) -> bytes:
        key = self._key(aad.subject_id, create=True)
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.cipher.encrypt(nonce, plaintext, aad.encode(key.version))
        if self._record_use is not None:
            self._record_use(key.subject_id, key.version)  # feeds the per-key usage budget (R16)
        return _HEADER.pack(FORMAT_V1, key.version) + nonce + sealed

    def open(self, blob: bytes, aad: Aad) -> bytes:
        fmt, version = _HEADER.unpack_from(blob)
        if fmt != FORMAT_V1:
            raise Unreadable(f"unknown ciphertext format {fmt}")
        key = self._key(aad.subject_id, create=False)
        nonce = blob[_HEADER.size : _HEADER.size + NONCE_BYTES]
        try:
            return key.cipher_for(version).decrypt(
                nonce, blob[_HEADER.size + NONCE_BYTES :], aad.encode(version)
            )
        except InvalidTag as exc:
            raise Unreadable(f"ciphertext does not open for {aad.table}.{aad.field}") from exc

    def _key(self, subject_id: str, create: bool) -> SubjectKey:
        key = self._keys.get_keys([subject_id], create).get(subject_id)
        if key is None:
            raise Unreadable(f"no data key for {subject_id}")
        if key.destroyed or key.key is None:
            raise SubjectErased(subject_id)
        return key
