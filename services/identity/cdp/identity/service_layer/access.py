"""Operator reads of personal data: each one audited before its answer leaves (privacy.md R22)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cdp.identity.domain.model import profile_name


class AccessAuditor(Protocol):
    """The consent service's audit chain, as the identity service sees it."""

    def record(self, actor: str, method: str, profiles: Sequence[str]) -> None:
        """Appends one entry for the read; raises (AUDIT_UNAVAILABLE) when it cannot."""
        ...


@dataclass(frozen=True)
class Reader:
    """Who read: an operator, or another service of the suite (the `service` role)."""

    subject: str
    operator: bool


def audit_read(
    auditor: AccessAuditor | None, reader: Reader, method: str, profile_ids: Sequence[str]
) -> None:
    """One entry per operator read, written before the data is returned: when it cannot be written
    the read fails (fail closed). Service-to-service reads are not operator reads. No auditor is a
    deliberate choice of the composition root (tests), never a fallback."""
    if auditor is None or not reader.operator:
        return
    auditor.record(reader.subject, method, [profile_name(p) for p in dict.fromkeys(profile_ids)])
