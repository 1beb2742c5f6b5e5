"""Signed receipts: Ed25519 over SHA-256 of the canonical result, verifiable offline by anyone (R8)."""

from __future__ import annotations

import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(payload: bytes, key: Ed25519PrivateKey) -> bytes:
    return key.sign(hashlib.sha256(payload).digest())


def verify(payload: bytes, signature: bytes, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(signature, hashlib.sha256(payload).digest())
    except InvalidSignature:
        return False
    return True


def subject_digest(subject_ids: list[str]) -> str:
    """What a receipt names instead of the subject ids: they are erased, the digest proves which."""
    return hashlib.sha256("\n".join(sorted(subject_ids)).encode()).hexdigest()
