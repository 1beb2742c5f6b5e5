"""Suppression entries: keyed HMACs of an erased person's blind indexes and subject ids.

They are what keeps an erased person out, so they outlive erasure; being HMACs under a key derived
for this purpose alone, they are neither the blind indexes nor the subject ids themselves, so no
erased value or index remains referenced anywhere (T10).
"""

from __future__ import annotations

import hmac

_LABEL = b"cdp suppression v1"


class Suppressor:
    def __init__(self, index_key: bytes) -> None:
        self._key = hmac.digest(index_key, _LABEL, "sha256")

    def entry(self, value: bytes | str) -> bytes:
        raw = value.encode() if isinstance(value, str) else value
        return hmac.digest(self._key, raw, "sha256")
