"""Blind indexes and pseudonymous subject ids: keyed HMACs over normalised identifiers."""

from __future__ import annotations

import base64
import functools
import hmac

from cdp.pii.normalize import normalize

# user_id and anonymous_id share one namespace so an alias's previous_id finds either kind.
_NAMESPACE = {"user_id": "id", "anonymous_id": "id", "previous_id": "id"}


class BlindIndexer:
    """Equality lookups on personal data without storing it: HMAC-SHA256 under the index key."""

    def __init__(self, index_key: bytes) -> None:
        if len(index_key) < 32:
            raise ValueError("the index key must be at least 32 bytes")
        self._key = index_key

    def index(self, id_type: str, normalized: str) -> bytes:
        namespace = _NAMESPACE.get(id_type, id_type)
        message = namespace.encode() + b"\x00" + normalized.encode()
        return hmac.digest(self._key, message, "sha256")

    def index_raw(self, id_type: str, value: str) -> bytes:
        """Normalises, then indexes: the one path every query takes."""
        return self.index(id_type, normalize(id_type, value))

    def subject_id(self, blind_index: bytes) -> str:
        """The pseudonymous data subject named by an identifier (the id of its data key)."""
        return _subject_id(self._key, blind_index)


@functools.lru_cache(maxsize=65536)
def _subject_id(key: bytes, blind_index: bytes) -> str:
    # Cached: the same people recur batch after batch, and base32 is a visible cost per event.
    digest = hmac.digest(key, b"subject\x00" + blind_index, "sha256")
    return "sub_" + base64.b32encode(digest[:15]).decode().lower()
