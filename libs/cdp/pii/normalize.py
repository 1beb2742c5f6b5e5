"""One normaliser for identifiers, used on write and on query alike (a blind index is only as good as it)."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

# Built-in identifier types; anything else matching CUSTOM_TYPE is a custom external id.
IDENTIFIER_TYPES = ("user_id", "anonymous_id", "email", "phone", "device_id")
CUSTOM_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
DEFAULT_PHONE_REGIONS = ("VN", "TH")
MAX_EMAIL = 254
MAX_ID = 256
MAX_PHONE_DIGITS = 15


class InvalidIdentifier(ValueError):
    """The value is not a valid identifier of its type; the message never repeats the value."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def normalize(id_type: str, value: str, regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS) -> str:
    """The canonical spelling of an identifier, or InvalidIdentifier."""
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise InvalidIdentifier("FIELD_REQUIRED", f"{id_type} is empty")
    if id_type == "email":
        return normalize_email(text)
    if id_type == "phone":
        return normalize_phone(text, regions)
    if len(text) > MAX_ID:
        raise InvalidIdentifier("VALUE_TOO_LONG", f"{id_type} is longer than {MAX_ID}")
    if id_type not in IDENTIFIER_TYPES and not CUSTOM_TYPE.match(id_type):
        raise InvalidIdentifier(
            "UNKNOWN_IDENTIFIER_TYPE", "identifier type must be lower_snake_case"
        )
    return text


def normalize_email(text: str) -> str:
    """Lower-cases the whole address (local parts are case-insensitive at every provider we target).

    Lower-casing, not casefold: casefold turns "ß" into "ss" and would merge distinct mailboxes.
    """
    if len(text) > MAX_EMAIL:
        raise InvalidIdentifier("VALUE_TOO_LONG", f"email is longer than {MAX_EMAIL}")
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in text):
        raise InvalidIdentifier("INVALID_EMAIL", "email is not an address")
    return unicodedata.normalize("NFC", f"{local.lower()}@{domain.lower().rstrip('.')}")


def normalize_phone(text: str, regions: tuple[str, ...]) -> str:
    """E.164; national numbers are tried in each default region in order (VN, then TH)."""
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_PHONE_DIGITS + 3:
        raise InvalidIdentifier("VALUE_TOO_LONG", f"phone has more than {MAX_PHONE_DIGITS} digits")
    candidates = (None,) if text.startswith("+") else regions
    for region in candidates:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidIdentifier("INVALID_PHONE", "phone is not a valid number")


# Placeholder values SDKs send when they have no real id; they never link or name anyone.
BLOCKED_VALUES = frozenset(
    {"", "null", "undefined", "anonymous", "0", "-1", "none", "nil", "n/a", "unknown"}
)


def is_blocked(normalized: str) -> bool:
    return normalized.strip().lower() in BLOCKED_VALUES


def regions_for_locale(
    locale: str, defaults: tuple[str, ...] = DEFAULT_PHONE_REGIONS
) -> tuple[str, ...]:
    """Default regions for national phone numbers, the sender's locale country first ("th-TH" -> TH, VN).

    Most Thai and Vietnamese mobile numbers are valid in both plans when written nationally ("081 234
    5678"), so the event's own locale is the best tie-breaker; VN then TH when it has none.
    """
    country = (
        locale.replace("_", "-").split("-")[-1].upper() if "-" in locale or "_" in locale else ""
    )
    if len(country) != 2 or not country.isalpha():
        return defaults
    return (country, *(region for region in defaults if region != country))
