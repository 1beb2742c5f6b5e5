"""Short-lived Ed25519-signed JWTs naming a caller and its roles."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

AUDIENCE = "cdp"
ISSUER = "cdp-dev"
MAX_TTL = 15 * 60
ROLES = (
    "ingest_writer",
    "profile_reader",
    "segment_admin",
    "consent_manager",
    "compliance_officer",
    "auditor",
    "service",
)


@dataclass(frozen=True)
class Caller:
    subject: str
    roles: frozenset[str]


class InvalidToken(Exception):
    """Missing, forged, expired or malformed token (the message is safe to return)."""


class TokenIssuer:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key

    def mint(self, subject: str, roles: tuple[str, ...], ttl: int = MAX_TTL) -> str:
        now = int(time.time())
        claims = {
            "sub": subject,
            "roles": list(roles),
            "aud": AUDIENCE,
            "iss": ISSUER,
            "iat": now,
            "exp": now + min(ttl, MAX_TTL),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA")


class TokenVerifier:
    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self._key = public_key

    def verify(self, token: str) -> Caller:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["EdDSA"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud"]},
                leeway=5,
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("token invalid") from exc
        if claims["exp"] - claims["iat"] > MAX_TTL:
            raise InvalidToken("token lifetime exceeds 15 minutes")
        return Caller(subject=claims["sub"], roles=frozenset(claims.get("roles", ())))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def load_public_key(path: Path) -> Ed25519PublicKey:
    return serialization.load_pem_public_key(path.read_bytes())


def write_keypair(private_path: Path, public_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    private_path.touch(mode=0o600)
    private_path.write_bytes(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
