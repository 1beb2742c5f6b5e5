"""Segment messages rebuilt from an access export (`cdp privacy export`), for re-import (R15)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdp.api.ingestion.v1 import event_pb2
from cdp.ingestion.segment_json import SegmentJsonError, event_from_json
from cdp.pii import InvalidIdentifier, normalize

# Exported identifier type -> the Segment envelope key that carried it.
_ENVELOPE_IDS = {"user_id": "userId", "anonymous_id": "anonymousId", "previous_id": "previousId"}
# Where ingestion finds the other built-in identifiers in a message's documents (group traits
# describe the group, so ingestion does not read them).
_DOCUMENT_IDS = {
    "email": (("traits", "email"), ("context", "traits", "email")),
    "phone": (("traits", "phone"), ("context", "traits", "phone")),
    "device_id": (("context", "device", "id"),),
}
# Exported snake_case fields -> the Segment message's own keys.
_ENVELOPE_FIELDS = {"category": "category", "group_id": "groupId", "integrations": "integrations"}
_DOCUMENTS = ("properties", "traits", "context")


class NotAnExport(ValueError):
    """The file is not an access export; the message names the missing part, never a value."""


@dataclass(frozen=True)
class Rebuilt:
    """One exported event: its 1-based position in services.ingestion.events, its source, and
    the Event proto (or the problem that kept it from being one)."""

    position: int
    source: str
    event: event_pb2.Event | None
    problem: SegmentJsonError | None = None


def read_export(path: Path) -> list[Rebuilt]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAnExport(f"{path.name} is not UTF-8 JSON") from exc
    return rebuild(document)


def rebuild(document: Any) -> list[Rebuilt]:
    """Every event of services.ingestion.events, in the export's (the log's) order."""
    events = _path(document, "services", "ingestion", "events")
    if not isinstance(events, list):
        raise NotAnExport("no services.ingestion.events list: not written by `cdp privacy export`")
    return [_rebuilt(n, exported) for n, exported in enumerate(events, start=1)]


def _rebuilt(position: int, exported: Any) -> Rebuilt:
    if not isinstance(exported, Mapping):
        return Rebuilt(position, "", None, SegmentJsonError("event", "must be a JSON object"))
    source = exported.get("source") if isinstance(exported.get("source"), str) else ""
    try:
        message = segment_message(exported)
        return Rebuilt(position, source, to_event(message))
    except SegmentJsonError as exc:
        return Rebuilt(position, source, None, exc)


def segment_message(exported: Mapping[str, Any]) -> dict[str, Any]:
    """The Segment message ingestion logged, as far as the export holds it."""
    kind = exported.get("type")
    message: dict[str, Any] = {
        "type": kind,
        "messageId": exported.get("message_id"),
        "timestamp": exported.get("timestamp"),
    }
    identifiers = _identifiers(exported.get("identifiers"))
    for id_type, key in _ENVELOPE_IDS.items():
        if id_type in identifiers:
            message[key] = identifiers.pop(id_type)
    name = exported.get("event_name") or ""
    if name and kind == "track":
        message["event"] = name
    elif name and kind in ("page", "screen"):
        message["name"] = name
    for field in _DOCUMENTS:
        if exported.get(field):
            message[field] = exported[field]
    message.update(
        {key: exported[field] for field, key in _ENVELOPE_FIELDS.items() if exported.get(field)}
    )
    external = _external_ids(identifiers, message)
    if external:
        message["externalIds"] = external
    return message


def to_event(message: Mapping[str, Any]) -> event_pb2.Event:
    event = event_from_json(message)
    stamp = message.get("timestamp")
    if isinstance(stamp, str):
        # segment_json keeps microseconds (datetime); the log keeps nanoseconds: keep them all.
        try:
            event.timestamp.FromJsonString(stamp)
        except ValueError as exc:
            raise SegmentJsonError("timestamp", "must be an RFC 3339 string") from exc
    return event


def _identifiers(value: Any) -> dict[str, str]:
    if not isinstance(value, list):
        raise SegmentJsonError("identifiers", "must be a list")
    found: dict[str, str] = {}
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("value"), str):
            raise SegmentJsonError("identifiers", "must hold {type, value} objects")
        found.setdefault(str(item.get("type")), item["value"])
    return found


def _external_ids(identifiers: dict[str, str], message: Mapping[str, Any]) -> dict[str, str]:
    """Identifiers the rebuilt documents do not already carry came from externalIds."""
    return {
        kind: value for kind, value in identifiers.items() if not _carried(kind, value, message)
    }


def _carried(kind: str, value: str, message: Mapping[str, Any]) -> bool:
    paths = _DOCUMENT_IDS.get(kind, ())
    if message.get("type") == "group":
        paths = tuple(path for path in paths if path[0] != "traits")
    for path in paths:
        raw = _path(message, *path)
        if isinstance(raw, str) and _normalized(kind, raw) == value:
            return True
    return False


def _normalized(kind: str, raw: str) -> str | None:
    try:
        return normalize(kind, raw)
    except InvalidIdentifier:
        return None


def _path(document: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(document, Mapping):
            return None
        document = document.get(key)
    return document
