"""Opaque page tokens: a listing's position bound to a fingerprint of the listing it came from.

One shape for every List RPC: base64url of {"p": position, "f": fingerprint}. A token only continues
the listing it was issued for (same filters, same parent); anything else is INVALID_ARGUMENT.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cdp.errors import InvalidArgument


class InvalidPageToken(InvalidArgument):
    def __init__(self) -> None:
        super().__init__(
            "INVALID_PAGE_TOKEN",
            "page_token is not from a matching earlier response",
            field="page_token",
        )


def fingerprint(listing: Any) -> str:
    """A digest of what identifies the listing (any JSON-able value)."""
    return hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()[:16]


def encode(position: Any, listing: Any) -> str:
    payload = json.dumps({"p": position, "f": fingerprint(listing)}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode(token: str, listing: Any) -> Any:
    """The position a token continues after; InvalidPageToken for any other token."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position, matches = payload["p"], payload["f"] == fingerprint(listing)
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise InvalidPageToken() from exc
    if not matches:
        raise InvalidPageToken()
    return position


def page_size(requested: int, default: int, limit: int) -> int:
    if requested < 0:
        raise InvalidArgument(
            "INVALID_PAGE_SIZE", "page_size must not be negative", field="page_size"
        )
    return min(requested or default, limit)
