"""PrivacyService.RecordIncident / GetIncident: the breach runbook."""

from __future__ import annotations


class IncidentMethods:
    """Mixed into PrivacyService's servicer (kept apart so each RPC family has its own file)."""
