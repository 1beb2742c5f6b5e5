"""Opaque keyset page tokens for timelines: (event time, row id) bound to the query's filters."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from cdp.profile.domain.commands import ListProfileEvents
from cdp.profile.domain.errors import InvalidPageToken

Cursor = tuple[int, int]


def fingerprint(query: ListProfileEvents) -> str:
    """A digest of everything but the page size: a token only continues the listing it came from."""
    parts = [
        query.profile_id,
        sorted(int(t) for t in query.types),
        query.start_time,
        query.end_time,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def encode(cursor: Cursor, query: ListProfileEvents) -> str:
    payload = json.dumps({"t": cursor[0], "i": cursor[1], "f": fingerprint(query)}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode(token: str, query: ListProfileEvents) -> Cursor:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        cursor = (int(payload["t"]), int(payload["i"]))
        matches = payload["f"] == fingerprint(query)
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise InvalidPageToken() from exc
    if not matches:
        raise InvalidPageToken()
    return cursor
