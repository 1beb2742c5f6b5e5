"""Identity's commands and queries, validated on construction (limits, names, normalised identifiers)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdp.errors import field_required, too_many, value_too_long
from cdp.identity.domain.errors import InvalidIdentifierValue, InvalidProfileName
from cdp.identity.domain.model import SealedIdentifier, Sighting
from cdp.pii.normalize import CUSTOM_TYPE, IDENTIFIER_TYPES, InvalidIdentifier, normalize

MAX_SETS = 500
# The internal hop takes what ingestion's outbox relay sends in one call: up to cdp.db.outbox.Relay's
# default 2000 items (entries of <= 500 events each). Rejecting more would stall the pipeline forever.
MAX_EVENTS = 2000
MAX_IDENTIFIERS = 50
MAX_MESSAGE_ID = 128
BLIND_INDEX_BYTES = 32
_PROFILE_NAME = re.compile(r"^profiles/(p[0-9a-f]{24})$")


@dataclass(frozen=True, slots=True)
class PlainIdentifier:
    """A caller's identifier, already normalised (it lives only in memory, on its way to the vault)."""

    type: str
    value: str


@dataclass(frozen=True, slots=True)
class PlainSet:
    message_id: str
    identifiers: tuple[PlainIdentifier, ...]


@dataclass(frozen=True)
class ResolveEvents:
    sightings: tuple[Sighting, ...]


@dataclass(frozen=True)
class ResolveIdentities:
    sets: tuple[PlainSet, ...]


@dataclass(frozen=True)
class LookupProfile:
    identifier: PlainIdentifier


@dataclass(frozen=True)
class ListProfileIdentities:
    profile_id: str


@dataclass(frozen=True)
class ExplainProfile:
    profile_id: str


@dataclass(frozen=True)
class SplitProfile:
    profile_id: str
    identifiers: tuple[PlainIdentifier, ...]
    request_id: str


def check_count(items: Sequence, field: str, limit: int) -> None:
    if len(items) > limit:
        raise too_many(field, limit)


def check_message_id(message_id: str, field: str, required: bool = True) -> None:
    if required and not message_id:
        raise field_required(field)
    if len(message_id) > MAX_MESSAGE_ID:
        raise value_too_long(field, MAX_MESSAGE_ID)


def check_sealed(identifier: SealedIdentifier, field: str) -> None:
    for name in ("type", "sealed_value", "subject_id"):
        if not getattr(identifier, name):
            raise field_required(f"{field}.{name}")
    if len(identifier.blind_index) != BLIND_INDEX_BYTES:
        raise InvalidIdentifierValue(
            "INVALID_BLIND_INDEX", "a blind index is 32 bytes", field=f"{field}.blind_index"
        )


def plain_identifier(id_type: str, value: str, field: str) -> PlainIdentifier:
    """Normalises as on write (the one shared normaliser); errors name the field, never the value."""
    if not id_type:
        raise field_required(f"{field}.type")
    if not is_identifier_type(id_type):  # before normalize(), whose messages repeat the type
        raise InvalidIdentifierValue(
            "UNKNOWN_IDENTIFIER_TYPE", "identifier type must be lower_snake_case", f"{field}.type"
        )
    try:
        return PlainIdentifier(id_type, normalize(id_type, value))
    except InvalidIdentifier as exc:
        bad = f"{field}.type" if exc.reason == "UNKNOWN_IDENTIFIER_TYPE" else f"{field}.value"
        raise InvalidIdentifierValue(exc.reason, str(exc), field=bad) from exc


def is_identifier_type(id_type: str) -> bool:
    return id_type in IDENTIFIER_TYPES or CUSTOM_TYPE.match(id_type) is not None


def profile_id_of(name: str, field: str) -> str:
    if not name:
        raise field_required(field)
    match = _PROFILE_NAME.match(name)
    if match is None:
        raise InvalidProfileName(field)
    return match.group(1)
