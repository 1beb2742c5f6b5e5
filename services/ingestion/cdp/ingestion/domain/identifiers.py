"""Which identifiers an event carries, normalised once per batch, and which one names its subject."""

from __future__ import annotations

from typing import Any

from cdp.ingestion.domain.errors import EventInvalid
from cdp.ingestion.domain.model import Event, EventType, Identifier
from cdp.pii import InvalidIdentifier, normalize
from cdp.pii.normalize import MAX_PHONE_DIGITS, is_blocked

# The subject of an event is its first non-blocked identifier in this order (external ids: 5).
_PRIORITY = {
    "user_id": 0,
    "email": 1,
    "phone": 2,
    "anonymous_id": 3,
    "device_id": 4,
    "previous_id": 6,
}
_EXTERNAL_RANK = 5
_TRAIT_IDENTIFIERS = ("email", "phone")
_PROBLEMS = {
    "VALUE_TOO_LONG": "is too long",
    "INVALID_EMAIL": "is not an email address",
    "INVALID_PHONE": "is not a valid phone number (E.164, or national in VN/TH)",
    "UNKNOWN_IDENTIFIER_TYPE": "is not a lower_snake_case identifier type",
}


class Normalizer:
    """Normalises identifiers, remembering results for the batch (phone parsing is slow)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], Identifier | None] = {}

    def identifier(self, kind: str, raw: Any, field: str) -> Identifier | None:
        if raw is None or raw == "":
            return None
        if type(raw) is not str:
            raise EventInvalid("INVALID_TYPE", field, "must be a string")
        key = (kind, raw)
        if key in self._seen:
            return self._seen[key]
        found = self._seen[key] = _normalized(kind, raw, field)
        return found


def _normalized(kind: str, raw: str, field: str) -> Identifier | None:
    text = raw.strip()
    if not text:
        return None
    if kind == "phone":
        _check_phone_digits(text, field)
    try:
        value = normalize(kind, raw)
    except InvalidIdentifier as exc:
        if is_blocked(text):  # a placeholder such as "null": carried, refused by identity
            return Identifier(kind, text.lower(), blocked=True)
        raise EventInvalid(exc.reason, field, _PROBLEMS.get(exc.reason, "is not valid")) from None
    return Identifier(kind, value, blocked=is_blocked(value))


def _check_phone_digits(text: str, field: str) -> None:
    digits = sum(ch.isdigit() for ch in text)
    if text.startswith("00"):  # an international call prefix is not part of the number
        digits -= 2
    if digits > MAX_PHONE_DIGITS:
        raise EventInvalid("VALUE_TOO_LONG", field, f"has more than {MAX_PHONE_DIGITS} digits")


def extract(event: Event, normalizer: Normalizer) -> list[Identifier]:
    """Every identifier of the event, in carrying order, each (type, value) once."""
    found: list[Identifier] = []
    _add(found, normalizer.identifier("user_id", event.user_id, "user_id"))
    _add(found, normalizer.identifier("anonymous_id", event.anonymous_id, "anonymous_id"))
    # A group event's traits describe the group: its email is not the user's.
    traits = event.traits if event.type is not EventType.GROUP else None
    context_traits = _child(event.context, "traits")
    for kind in _TRAIT_IDENTIFIERS:
        if traits:
            _add(found, normalizer.identifier(kind, traits.get(kind), f"traits.{kind}"))
        if context_traits:
            _add(
                found,
                normalizer.identifier(kind, context_traits.get(kind), f"context.traits.{kind}"),
            )
    device = _child(event.context, "device")
    if device:
        _add(found, normalizer.identifier("device_id", device.get("id"), "context.device.id"))
    for kind, value in sorted(event.external_ids.items()):
        _add(found, normalizer.identifier(kind, value, f"external_ids.{kind}"))
    _add(found, normalizer.identifier("previous_id", event.previous_id, "previous_id"))
    return found


def primary(identifiers: list[Identifier]) -> Identifier | None:
    """The identifier that names the event's subject: the best-ranked one that is not blocked."""
    best, best_rank = None, 99
    for identifier in identifiers:
        if identifier.blocked:
            continue
        rank = _PRIORITY.get(identifier.type, _EXTERNAL_RANK)
        if rank < best_rank:
            best, best_rank = identifier, rank
    return best


def _add(found: list[Identifier], identifier: Identifier | None) -> None:
    if identifier is not None and identifier not in found:
        found.append(identifier)


def _child(document: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    if not document:
        return None
    child = document.get(key)
    return child if isinstance(child, dict) else None
