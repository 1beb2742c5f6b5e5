"""The per-event rules: an invalid event is rejected with a stable reason and field, the rest go on."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from cdp.ingestion.domain import identifiers
from cdp.ingestion.domain.documents import DocumentSplitter
from cdp.ingestion.domain.errors import EventInvalid, required, too_long
from cdp.ingestion.domain.model import (
    MAX_MESSAGE_ID,
    Event,
    EventResult,
    EventType,
    PreparedEvent,
)
from cdp.pii.documents import fold_key

MAX_EVENT_NAME = 200
MAX_GROUP_ID = 256
MAX_TRAITS = 256
MAX_TRAIT_KEY = 128
MAX_TRAIT_VALUE_BYTES = 8 * 1024
MAX_NAME = 256
NAME_KEYS = frozenset({"name", "firstname", "lastname"})
MIN_TIMESTAMP_NS = 946_684_800 * 10**9  # 2000-01-01T00:00:00Z
MAX_FUTURE_NS = 86_400 * 10**9
# A string this short cannot exceed the value limit as JSON (6 bytes per escaped character).
_SURELY_SMALL = (MAX_TRAIT_VALUE_BYTES - 2) // 6


def prepare_batch(
    events: Sequence[Event], offset: int, receive_ns: int, splitter: DocumentSplitter
) -> tuple[list[PreparedEvent], list[EventResult]]:
    """Valid events prepared for sealing, and one REJECTED result per invalid event."""
    normalizer = identifiers.Normalizer()
    prepared: list[PreparedEvent] = []
    rejected: list[EventResult] = []
    for position, event in enumerate(events):
        index = offset + position
        try:
            prepared.append(prepare(event, index, receive_ns, splitter, normalizer))
        except EventInvalid as err:
            rejected.append(err.result(index, event.message_id))
    return prepared, rejected


def prepare(
    event: Event,
    index: int,
    receive_ns: int,
    splitter: DocumentSplitter,
    normalizer: identifiers.Normalizer,
) -> PreparedEvent:
    check_envelope(event, receive_ns)
    if event.traits:
        check_traits(event.traits, "traits")
    context_traits = event.context.get("traits") if event.context else None
    if isinstance(context_traits, dict):
        check_traits(context_traits, "context.traits")
    found = identifiers.extract(event, normalizer)
    subject = identifiers.primary(found)
    if subject is None:
        raise EventInvalid(
            "IDENTITY_REQUIRED", "user_id", "no identifier names a person (placeholders only)"
        )
    public_json, personal_json = splitter.split(event)
    return PreparedEvent(
        index,
        event.message_id,
        event.type,
        event_name(event),
        event.timestamp_ns or receive_ns,
        found,
        subject,
        public_json,
        personal_json,
    )


def event_name(event: Event) -> str:
    if event.type is EventType.TRACK:
        return event.event
    if event.type is EventType.PAGE or event.type is EventType.SCREEN:
        return event.name
    return ""


def check_envelope(event: Event, receive_ns: int) -> None:
    if not event.message_id:
        raise required("message_id")
    if len(event.message_id) > MAX_MESSAGE_ID:
        raise too_long("message_id", MAX_MESSAGE_ID)
    if event.type is None:
        raise EventInvalid("INVALID_VALUE", "type", "is not a known event type")
    if event.type is EventType.UNSPECIFIED:
        raise required("type")
    if not event.user_id.strip() and not event.anonymous_id.strip():
        raise EventInvalid("FIELD_REQUIRED", "user_id", "or anonymous_id is required")
    rule = _TYPE_RULES.get(event.type)
    if rule is not None:
        rule(event)
    if event.timestamp_ns is not None:
        _check_timestamp(event.timestamp_ns, receive_ns)


def check_traits(traits: dict[str, Any], field: str) -> None:
    if len(traits) > MAX_TRAITS:
        raise EventInvalid("TOO_MANY_ITEMS", field, f"has more than {MAX_TRAITS} pairs")
    for key, value in traits.items():
        if len(key) > MAX_TRAIT_KEY:
            raise EventInvalid(
                "KEY_TOO_LONG", field, f"has a key longer than {MAX_TRAIT_KEY} characters"
            )
        kind = type(value)
        if kind is str:
            if len(value) > MAX_NAME and fold_key(key) in NAME_KEYS:
                raise too_long(f"{field}.{key}", MAX_NAME)
            if len(value) <= _SURELY_SMALL:
                continue
        elif kind is not dict and kind is not list:
            continue
        if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_TRAIT_VALUE_BYTES:
            raise too_long(f"{field}.{key}", MAX_TRAIT_VALUE_BYTES, "bytes as JSON")


def _check_timestamp(timestamp_ns: int, receive_ns: int) -> None:
    if timestamp_ns < MIN_TIMESTAMP_NS:
        raise EventInvalid("TIMESTAMP_OUT_OF_RANGE", "timestamp", "is before the year 2000")
    if timestamp_ns > receive_ns + MAX_FUTURE_NS:
        raise EventInvalid(
            "TIMESTAMP_OUT_OF_RANGE", "timestamp", "is more than a day in the future"
        )


def _track(event: Event) -> None:
    if not event.event:
        raise required("event")
    if len(event.event) > MAX_EVENT_NAME:
        raise too_long("event", MAX_EVENT_NAME)


def _page_or_screen(event: Event) -> None:
    if len(event.name) > MAX_EVENT_NAME:
        raise too_long("name", MAX_EVENT_NAME)


def _alias(event: Event) -> None:
    if not event.previous_id.strip():
        raise required("previous_id")


def _group(event: Event) -> None:
    if not event.group_id.strip():
        raise required("group_id")
    if len(event.group_id) > MAX_GROUP_ID:
        raise too_long("group_id", MAX_GROUP_ID)


_TYPE_RULES: dict[EventType, Callable[[Event], None]] = {
    EventType.TRACK: _track,
    EventType.PAGE: _page_or_screen,
    EventType.SCREEN: _page_or_screen,
    EventType.ALIAS: _alias,
    EventType.GROUP: _group,
}
