"""PrivacyService.RecordDataAccess: operator reads of personal data, one audit entry each."""

from __future__ import annotations


class AccessMethods:
    """Mixed into PrivacyService's servicer (kept apart so each RPC family has its own file)."""
