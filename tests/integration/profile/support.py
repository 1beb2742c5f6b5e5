"""Builds SealedEvents the way pipeline.md says ingestion does, and the change requests identity sends."""

from __future__ import annotations

import json
import uuid
from typing import Any

from google.protobuf import json_format, timestamp_pb2

from cdp.api.ingestion.v1 import event_pb2, sealed_event_pb2
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.pii import Aad, BlindIndexer, Vault, normalize
from cdp.pii.documents import Classifier
from cdp.pii.normalize import is_blocked

_ORDER = ("user_id", "email", "phone", "anonymous_id", "device_id")
SECOND = 1_000_000  # microseconds


def new_profile() -> str:
    return "p" + uuid.uuid4().hex[:24]


def event(
    kind: str,
    *,
    user_id: str = "",
    anonymous_id: str = "",
    name: str = "",
    traits: dict | None = None,
    properties: dict | None = None,
    context: dict | None = None,
    at: int | None = None,
    message_id: str | None = None,
    group_id: str = "",
    previous_id: str = "",
    category: str = "",
) -> event_pb2.Event:
    """An ingestion Event; `at` is the event time in microseconds since the epoch."""
    message = event_pb2.Event(
        message_id=message_id or str(uuid.uuid4()),
        type=event_pb2.EventType.Value(f"EVENT_TYPE_{kind.upper()}"),
        user_id=user_id,
        anonymous_id=anonymous_id,
        group_id=group_id,
        previous_id=previous_id,
        category=category,
    )
    if kind == "track":
        message.event = name
    elif kind in ("page", "screen"):
        message.name = name
    for part, value in (("traits", traits), ("properties", properties), ("context", context)):
        if value is not None:
            getattr(message, part).update(value)
    if at is not None:
        message.timestamp.FromMicroseconds(at)
    return message


class Sealer:
    """Seals events at the edge: identifiers, public_json and sealed_pii (pipeline.md)."""

    def __init__(self, vault: Vault, indexer: BlindIndexer, source: str = "test-source") -> None:
        self.vault, self.indexer, self.source = vault, indexer, source

    def seal(
        self, message: event_pb2.Event, received: int | None = None, source: str | None = None
    ) -> sealed_event_pb2.SealedEvent:
        identifiers = [self._identifier(kind, value) for kind, value in _identifiers(message)]
        subject = _subject(identifiers)
        public, personal = Classifier().split(_document(message))
        receive_time = timestamp_pb2.Timestamp()
        receive_time.FromMicroseconds(received if received is not None else _micros(message))
        sealed = sealed_event_pb2.SealedEvent(
            message_id=message.message_id,
            source=source or self.source,
            type=message.type,
            event_name=message.event or message.name,
            receive_time=receive_time,
            identifiers=[i for i, _ in identifiers],
            subject_id=subject,
            public_json=json.dumps(public).encode(),
        )
        sealed.timestamp.CopyFrom(
            message.timestamp if message.HasField("timestamp") else receive_time
        )
        if personal:
            aad = Aad("suite", "events", "pii/" + message.message_id, subject)
            sealed.sealed_pii = self.vault.seal(json.dumps(personal).encode(), aad)
        return sealed

    def subject_of(self, kind: str, value: str) -> str:
        return self.indexer.subject_id(self.blind_index(kind, value))

    def blind_index(self, kind: str, value: str) -> bytes:
        return self.indexer.index(kind, normalize(_normal_kind(kind), value))

    def _identifier(self, kind: str, value: str) -> tuple[sealed_event_pb2.SealedIdentifier, bool]:
        normalized = normalize(_normal_kind(kind), value)
        blind = self.indexer.index(kind, normalized)
        subject = self.indexer.subject_id(blind)
        sealed = self.vault.seal(normalized.encode(), Aad("identity", "identifiers", kind, subject))
        identifier = sealed_event_pb2.SealedIdentifier(
            type=kind, blind_index=blind, sealed_value=sealed, subject_id=subject
        )
        return identifier, is_blocked(normalized)


def _normal_kind(kind: str) -> str:
    return "user_id" if kind == "previous_id" else kind


def _identifiers(message: event_pb2.Event) -> list[tuple[str, str]]:
    traits = _dict(message.traits)
    context = _dict(message.context)
    context_traits, device = context.get("traits") or {}, context.get("device") or {}
    found = [("user_id", message.user_id), ("anonymous_id", message.anonymous_id)]
    for kind in ("email", "phone"):
        found += [(kind, traits.get(kind, "")), (kind, context_traits.get(kind, ""))]
    found.append(("device_id", device.get("id", "")))
    found += sorted(message.external_ids.items())
    found.append(("previous_id", message.previous_id))
    unique: list[tuple[str, str]] = []
    for kind, value in found:
        if value and (kind, value) not in unique:
            unique.append((kind, value))
    return unique


def _subject(identifiers: list[tuple[sealed_event_pb2.SealedIdentifier, bool]]) -> str:
    def rank(kind: str) -> int:
        return _ORDER.index(kind) if kind in _ORDER else 6 if kind == "previous_id" else 5

    usable = [(rank(i.type), n, i) for n, (i, blocked) in enumerate(identifiers) if not blocked]
    if not usable:
        raise ValueError("the event has no usable identifier (IDENTITY_REQUIRED)")
    return min(usable, key=lambda item: item[:2])[2].subject_id


def _document(message: event_pb2.Event) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for part in ("properties", "traits", "context", "integrations"):
        value = _dict(getattr(message, part))
        if value:
            document[part] = value
    if message.category:
        document["category"] = message.category
    if message.group_id:
        document["group_id"] = message.group_id
    return document


def _dict(struct: Any) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


def _micros(message: event_pb2.Event) -> int:
    return (
        message.timestamp.ToMicroseconds()
        if message.HasField("timestamp")
        else 1_700_000_000 * SECOND
    )


def as_event(
    sequence: int, profile_id: str, sealed: sealed_event_pb2.SealedEvent
) -> pb.ProfileChange:
    return pb.ProfileChange(
        sequence=sequence, event=pb.ResolvedEvent(profile=f"profiles/{profile_id}", event=sealed)
    )


def as_merge(sequence: int, survivor: str, *absorbed: str) -> pb.ProfileChange:
    return pb.ProfileChange(
        sequence=sequence,
        merged=pb.ProfilesMerged(
            profile=f"profiles/{survivor}", merged_profiles=[f"profiles/{p}" for p in absorbed]
        ),
    )


def as_split(
    sequence: int, profile_id: str, new_profile_id: str, moved: list[bytes]
) -> pb.ProfileChange:
    return pb.ProfileChange(
        sequence=sequence,
        split=pb.ProfileSplit(
            profile=f"profiles/{profile_id}",
            new_profile=f"profiles/{new_profile_id}",
            moved_blind_indexes=moved,
        ),
    )


def request(*changes: pb.ProfileChange) -> pb.ApplyProfileChangesRequest:
    return pb.ApplyProfileChangesRequest(changes=list(changes))
