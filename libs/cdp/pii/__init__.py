"""Personal data handling: normalisers, blind indexes, per-subject sealing, key providers and caches."""

from __future__ import annotations

from cdp.pii.blind import BlindIndexer
from cdp.pii.normalize import IDENTIFIER_TYPES, InvalidIdentifier, normalize
from cdp.pii.vault import Aad, SubjectKey, Vault

__all__ = [
    "IDENTIFIER_TYPES",
    "Aad",
    "BlindIndexer",
    "InvalidIdentifier",
    "SubjectKey",
    "Vault",
    "normalize",
]
