"""Segment-spec JSON messages -> Event protos, for the CLI and the HTTP edge.

Shapes only: business rules (required fields, limits) stay with IngestEvents, which answers per event.
camelCase (Segment) and snake_case keys are both accepted; Segment envelope keys with no place in
Event (receivedAt, originalTimestamp, channel, version, ...) are ignored, as Segment's API does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from cdp.api.ingestion.v1 import event_pb2

_TYPES = {
    "identify": event_pb2.EVENT_TYPE_IDENTIFY,
    "track": event_pb2.EVENT_TYPE_TRACK,
    "page": event_pb2.EVENT_TYPE_PAGE,
    "screen": event_pb2.EVENT_TYPE_SCREEN,
    "group": event_pb2.EVENT_TYPE_GROUP,
    "alias": event_pb2.EVENT_TYPE_ALIAS,
}
# Event field -> the JSON keys that may carry it (Segment's spelling first).
_TEXT_FIELDS = {
    "message_id": ("messageId", "message_id"),
    "user_id": ("userId", "user_id"),
    "anonymous_id": ("anonymousId", "anonymous_id"),
    "previous_id": ("previousId", "previous_id"),
    "group_id": ("groupId", "group_id"),
    "event": ("event",),
    "name": ("name",),
    "category": ("category",),
}
_DOCUMENTS = ("properties", "traits", "context", "integrations")
_TIMES = {"timestamp": ("timestamp",), "sent_at": ("sentAt", "sent_at")}
_EXTERNAL_IDS = ("externalIds", "external_ids")


class SegmentJsonError(ValueError):
    """A message cannot be expressed as an Event; names the field, never its value."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def events_from_json(document: Any) -> list[event_pb2.Event]:
    """A list of messages, or Segment's batch envelope {"batch": [...]}."""
    messages = document.get("batch") if isinstance(document, Mapping) else document
    if not isinstance(messages, list):
        raise SegmentJsonError("batch", "must be a list of messages")
    return [event_from_json(message) for message in messages]


def event_from_json(message: Mapping[str, Any]) -> event_pb2.Event:
    if not isinstance(message, Mapping):
        raise SegmentJsonError("message", "must be a JSON object")
    event = event_pb2.Event(type=_type(message.get("type")))
    for field, keys in _TEXT_FIELDS.items():
        value = _first(message, keys)
        if value is not None:
            setattr(event, field, _text(value, keys[0]))
    for field in _DOCUMENTS:
        value = message.get(field)
        if value is not None:
            _document(getattr(event, field), value, field)
    for field, keys in _TIMES.items():
        value = _first(message, keys)
        if value is not None:
            getattr(event, field).CopyFrom(_timestamp(value, keys[0]))
    external = _first(message, _EXTERNAL_IDS)
    if external is not None:
        event.external_ids.update(_external_ids(external))
    return event


def _first(message: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if message.get(key) is not None:
            return message[key]
    return None


def _type(value: Any) -> int:
    if value is None:
        return event_pb2.EVENT_TYPE_UNSPECIFIED  # IngestEvents answers FIELD_REQUIRED for it
    kind = _TYPES.get(value.lower()) if isinstance(value, str) else None
    if kind is None:
        raise SegmentJsonError("type", f"must be one of {', '.join(_TYPES)}")
    return kind


def _text(value: Any, field: str) -> str:
    # SDKs send numeric ids as numbers; they are ids all the same.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise SegmentJsonError(field, "must be a string")


def _document(target: Any, value: Any, field: str) -> None:
    if not isinstance(value, Mapping):
        raise SegmentJsonError(field, "must be a JSON object")
    target.SetInParent()  # an empty object is still sent, not absent
    try:
        target.update(value)
    except (TypeError, ValueError) as exc:
        raise SegmentJsonError(field, "holds a value JSON cannot carry") from exc


def _timestamp(value: Any, field: str) -> Timestamp:
    if not isinstance(value, str):
        raise SegmentJsonError(field, "must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise SegmentJsonError(field, "must be an ISO 8601 string") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _external_ids(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise SegmentJsonError("externalIds", "must be an object of type -> id")
    return {
        str(kind): _text(identifier, f"externalIds.{kind}") for kind, identifier in value.items()
    }
