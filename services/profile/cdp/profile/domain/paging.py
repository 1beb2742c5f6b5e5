"""Opaque keyset page tokens for timelines: (event time, row id) bound to the query's filters."""

from __future__ import annotations

from cdp import paging
from cdp.profile.domain.commands import ListProfileEvents

Cursor = tuple[int, int]


def listing(query: ListProfileEvents) -> list:
    """Everything but the page size: a token only continues the listing it came from."""
    return [query.profile_id, sorted(int(t) for t in query.types), query.start_time, query.end_time]


def encode(cursor: Cursor, query: ListProfileEvents) -> str:
    return paging.encode(list(cursor), listing(query))


def decode(token: str, query: ListProfileEvents) -> Cursor:
    try:
        time, row = paging.decode(token, listing(query))
        return int(time), int(row)
    except (ValueError, TypeError) as exc:
        raise paging.InvalidPageToken() from exc
