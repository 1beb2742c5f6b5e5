"""An operator's read of personal data as the audit chain records it: who, how, how many, a digest."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdp.errors import InvalidArgument, field_required, too_many, value_too_long

ACTION = "pii.read"
MAX_ACTOR = 256
MAX_METHOD = 256
MAX_PROFILES = 100
READ_SERVICES = frozenset({"ingestion", "identity", "profile", "segmentation"})
# A full gRPC method of the suite's contract; nothing else (and so no personal value) fits.
_METHOD = re.compile(r"^/cdp\.api\.(?:[a-z][a-z0-9_]*\.)+[A-Z][A-Za-z0-9]*/[A-Z][A-Za-z0-9]*$")
_PROFILE = re.compile(r"^profiles/p[0-9a-f]{24}$")


@dataclass(frozen=True)
class DataAccess:
    """A validated RecordDataAccess: profiles are distinct and sorted."""

    actor: str
    method: str
    profiles: tuple[str, ...]
    service: str

    @classmethod
    def checked(cls, actor: str, method: str, profiles: Sequence[str], service: str) -> DataAccess:
        """Raises InvalidArgument naming the first bad field (never repeating its value)."""
        _check_actor(actor)
        _check_method(method)
        _check_profiles(profiles)
        _check_service(service)
        return cls(actor, method, tuple(sorted(set(profiles))), service)

    def details(self) -> dict[str, Any]:
        """The entry's details: profile names never enter the chain (an erased person's names
        must not outlive them there), only how many and a digest that proves which."""
        return {
            "method": self.method,
            "service": self.service,
            "profile_count": len(self.profiles),
            "profiles_digest": profiles_digest(self.profiles),
        }


def profiles_digest(profiles: Sequence[str]) -> str:
    """SHA-256 hex of the sorted, distinct names, one per line."""
    return hashlib.sha256("\n".join(sorted(set(profiles))).encode()).hexdigest()


def _check_actor(actor: str) -> None:
    if not actor:
        raise field_required("actor")
    if len(actor) > MAX_ACTOR:
        raise value_too_long("actor", MAX_ACTOR)


def _check_method(method: str) -> None:
    if not method:
        raise field_required("method")
    if len(method) > MAX_METHOD or not _METHOD.fullmatch(method):
        raise InvalidArgument(
            "INVALID_METHOD",
            "method must be a full method name such as /cdp.api.<pkg>.v1.<Service>/<Method>",
            field="method",
        )


def _check_profiles(profiles: Sequence[str]) -> None:
    if not profiles:
        raise field_required("profiles")
    if len(profiles) > MAX_PROFILES:
        raise too_many("profiles", MAX_PROFILES)
    for index, name in enumerate(profiles):
        if not _PROFILE.fullmatch(name):
            field = f"profiles[{index}]"
            raise InvalidArgument(
                "INVALID_PROFILE_NAME",
                f"{field} must look like profiles/p<24 hex digits>",
                field=field,
            )


def _check_service(service: str) -> None:
    if not service:
        raise field_required("service")
    if service not in READ_SERVICES:
        raise InvalidArgument(
            "INVALID_SERVICE",
            f"service must be one of {', '.join(sorted(READ_SERVICES))}",
            field="service",
        )
