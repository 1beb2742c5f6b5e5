"""Splits an event's documents once into public JSON and the personal [[path, value], ...] list."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from cdp.ingestion.domain.errors import EventInvalid
from cdp.ingestion.domain.model import Event
from cdp.pii.documents import DEFAULT_PERSONAL_KEYS, Classifier

# Keys that carry identifiers are personal whatever the configured classification says.
IDENTIFIER_KEYS = frozenset(
    {"email", "phone", "userid", "anonymousid", "previousid", "deviceid", "externalids"}
)
# Identifiers under a generic key ("id") that a key-name classification cannot tell apart.
IDENTIFIER_PATHS = (("traits", "id"), ("context", "traits", "id"), ("context", "device", "id"))
# An event must fit one pipeline call downstream with room to spare (Segment itself allows 32 KiB).
MAX_EVENT_BYTES = 1024 * 1024
_MEMO_LIMIT = 50_000
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class _MemoClassifier(Classifier):
    """The shared classification, with each key's verdict remembered (keys repeat across events)."""

    def __init__(self, personal_keys: Iterable[str]) -> None:
        super().__init__(personal_keys)
        self._verdicts: dict[str, bool] = {}

    def is_personal(self, key: str) -> bool:
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = super().is_personal(key)
            if len(self._verdicts) < _MEMO_LIMIT:
                self._verdicts[key] = verdict
        return verdict


class DocumentSplitter:
    """Builds the public document {properties, traits, context, integrations, category, group_id}."""

    def __init__(self, personal_keys: Iterable[str] | None = None) -> None:
        keys = DEFAULT_PERSONAL_KEYS if personal_keys is None else personal_keys
        self._classifier = _MemoClassifier([*keys, *IDENTIFIER_KEYS])

    def split(self, event: Event) -> tuple[bytes, bytes]:
        """(public JSON, personal JSON or b"") — the personal list opens back with documents.merge."""
        public, personal = self._classifier.split(document(event))
        _move_identifier_paths(public, personal)
        public_json = encode(public)
        personal_json = encode(personal) if personal else b""
        if len(public_json) + len(personal_json) > MAX_EVENT_BYTES:
            raise EventInvalid(
                "EVENT_TOO_LARGE", "", f"is larger than {MAX_EVENT_BYTES} bytes as JSON"
            )
        return public_json, personal_json


def document(event: Event) -> dict[str, Any]:
    """The event's documents as one object; empty parts are left out."""
    doc: dict[str, Any] = {}
    if event.properties:
        doc["properties"] = event.properties
    if event.traits:
        doc["traits"] = event.traits
    if event.context:
        doc["context"] = event.context
    if event.integrations:
        doc["integrations"] = event.integrations
    if event.category:
        doc["category"] = event.category
    if event.group_id:
        doc["group_id"] = event.group_id
    return doc


def encode(value: Any) -> bytes:
    try:
        return _ENCODER.encode(value).encode()
    except ValueError:  # NaN or Infinity: JSON cannot carry them
        raise EventInvalid("INVALID_NUMBER", "", "holds a number JSON cannot represent") from None


def _move_identifier_paths(public: dict[str, Any], personal: list[list]) -> None:
    # Only values still public move; a parent the classifier moved already took its id along.
    for path in IDENTIFIER_PATHS:
        parent: Any = public
        for step in path[:-1]:
            parent = parent.get(step) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path[-1] in parent:
            personal.append([list(path), parent.pop(path[-1])])
