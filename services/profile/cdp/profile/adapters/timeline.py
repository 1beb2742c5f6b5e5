"""Timeline pages: a keyset query (event time, id) newest first, documents rebuilt as sent."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import Connection, Select, and_, or_, select

from cdp.pii.vault import SubjectErased, Unreadable
from cdp.profile.adapters.orm import events
from cdp.profile.domain.commands import ListProfileEvents
from cdp.profile.domain.model import EventType, TimelineEvent
from cdp.profile.domain.paging import Cursor
from cdp.profile.domain.traits import restore

log = logging.getLogger("cdp.profile")


class Opener(Protocol):
    """What a timeline needs from the repository's sealer (the only holder of the vault)."""

    def erased(self, subject_ids: Iterable[str]) -> set[str]: ...

    def event_personal(
        self, message_id: str, subject_id: str, sealed: bytes
    ) -> list[list[Any]]: ...


def page(
    conn: Connection,
    opener: Opener,
    profile_id: str,
    query: ListProfileEvents,
    after: Cursor | None,
) -> tuple[list[TimelineEvent], Cursor | None]:
    """One page, and the cursor after its last row when more rows follow."""
    rows = list(conn.execute(_select(profile_id, query, after).limit(query.page_size + 1)))
    more = len(rows) > query.page_size
    rows = rows[: query.page_size]
    erased = opener.erased(row.subject_id for row in rows)
    found = []
    for row in rows:
        event = None if row.subject_id in erased else _rebuilt(row, opener)
        if event is not None:
            found.append(event)
    return found, (rows[-1].event_time, rows[-1].id) if more else None


def _select(profile_id: str, query: ListProfileEvents, after: Cursor | None) -> Select:
    statement = select(events).where(events.c.profile_id == profile_id)
    if query.types:
        statement = statement.where(events.c.type.in_(sorted(int(t) for t in query.types)))
    if query.start_time is not None:
        statement = statement.where(events.c.event_time >= query.start_time)
    if query.end_time is not None:
        statement = statement.where(events.c.event_time < query.end_time)
    if after is not None:
        time, row_id = after
        statement = statement.where(
            or_(events.c.event_time < time, and_(events.c.event_time == time, events.c.id < row_id))
        )
    return statement.order_by(events.c.event_time.desc(), events.c.id.desc())


def _rebuilt(row: Any, opener: Opener) -> TimelineEvent | None:
    try:
        document = json.loads(row.public_json)
        restore(document, opener.event_personal(row.message_id, row.subject_id, row.pii_ct))
    except SubjectErased:
        return None
    except (Unreadable, ValueError, TypeError, KeyError, IndexError):
        log.warning("a stored event does not open; it is left out of the timeline")
        return None
    return TimelineEvent(
        row.id,
        row.message_id,
        EventType(row.type),
        row.event_name,
        _object(document.get("properties")),
        _object(document.get("traits")),
        _object(document.get("context")),
        row.event_time,
        row.receive_time,
        row.source,
        str(document.get("category") or ""),
        str(document.get("group_id") or ""),
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
