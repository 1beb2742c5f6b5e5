"""Rows as segmentation may see them: sealed columns are never selected, nothing is opened."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from cdp.profile.adapters.orm import events, traits
from cdp.profile.adapters.profiles import chunks
from cdp.profile.domain.feed import EventRecorded, PublicTrait
from cdp.profile.domain.model import EventType

_TRAIT_COLUMNS = (
    traits.c.profile_id,
    traits.c.key,
    traits.c.personal,
    traits.c.value_json,  # NULL for personal traits: their value sits in value_ct, not read here
    traits.c.subject_id,
)
_EVENT_COLUMNS = (
    events.c.profile_id,
    events.c.subject_id,
    events.c.source,
    events.c.message_id,
    events.c.type,
    events.c.event_name,
    events.c.event_time,
    events.c.public_json,
)


def public_traits(
    conn: Connection, profile_ids: Iterable[str]
) -> dict[str, dict[str, PublicTrait]]:
    found: dict[str, dict[str, PublicTrait]] = {}
    for chunk in chunks(sorted(set(profile_ids))):
        query = select(*_TRAIT_COLUMNS).where(traits.c.profile_id.in_(chunk))
        for row in conn.execute(query):
            value = None if row.personal else json.loads(row.value_json)
            trait = PublicTrait(row.key, value, row.personal, row.subject_id)
            found.setdefault(row.profile_id, {})[row.key] = trait
    return found


def public_events(conn: Connection, profile_ids: Iterable[str]) -> dict[str, list[EventRecorded]]:
    """Oldest first, the order segmentation would have seen them in."""
    found: dict[str, list[EventRecorded]] = {}
    for chunk in chunks(sorted(set(profile_ids))):
        query = (
            select(*_EVENT_COLUMNS)
            .where(events.c.profile_id.in_(chunk))
            .order_by(events.c.profile_id, events.c.event_time, events.c.id)
        )
        for row in conn.execute(query):
            found.setdefault(row.profile_id, []).append(_event(row))
    return found


def _event(row: Any) -> EventRecorded:
    document = json.loads(row.public_json or b"{}")
    properties = document.get("properties") if isinstance(document, dict) else None
    return EventRecorded(
        row.profile_id,
        row.subject_id,
        row.source,
        row.message_id,
        EventType(row.type),
        row.event_name,
        row.event_time,
        properties if isinstance(properties, dict) else {},
    )
