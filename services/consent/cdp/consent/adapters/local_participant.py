"""The consent service's own share of a data-subject request: its ledger and restriction list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select

from cdp.consent.adapters import consent_feed
from cdp.consent.adapters.consent_orm import consent_records
from cdp.consent.adapters.privacy_repository import restriction_entries
from cdp.consent.domain.requests import Subject
from cdp.consent.domain.suppression import Suppressor
from cdp.db import write_transaction


class LocalParticipant:
    service = "consent"

    def __init__(
        self,
        engine: Engine,
        suppressor: Suppressor,
        withdraw_marketing=None,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._suppressor = suppressor
        self._withdraw_marketing = withdraw_marketing
        # Called after a restriction change commits: wakes the relay that tells segmentation.
        self._on_change = on_change

    def fence(self, request: str, subject: Subject) -> int:
        return 0  # suppression and key tombstones are written with the request itself

    def erase(self, request: str, subject: Subject) -> dict[str, int]:
        with write_transaction(self._engine) as conn:
            records = conn.execute(
                delete(consent_records).where(consent_records.c.subject_id.in_(subject.subject_ids))
            ).rowcount
            restrictions = restriction_entries(conn).remove(self._entries(subject))
            # Segmentation's own erasure task removes the person there; no entry may name them here.
            notices = consent_feed.forget_subjects(conn, subject.subject_ids)
        return {"consent_records": records, "restrictions": restrictions, "feed_entries": notices}

    def export(self, request: str, subject: Subject) -> dict:
        with self._engine.connect() as conn:
            rows = (
                conn.execute(
                    select(consent_records)
                    .where(consent_records.c.subject_id.in_(subject.subject_ids))
                    .order_by(consent_records.c.sequence)
                )
                .mappings()
                .all()
            )
        history = [
            {k: v for k, v in row.items() if k not in ("request_hash", "sequence")} for row in rows
        ]
        return {"service": "consent", "consent_history": history}

    def restrict(self, request: str, subject: Subject, restricted: bool) -> dict[str, int]:
        with write_transaction(self._engine) as conn:
            entries = restriction_entries(conn)
            if restricted:
                changed = entries.add(
                    self._entries(subject), request.rsplit("/", 1)[-1], datetime.now(UTC)
                )
            else:
                changed = entries.remove(self._entries(subject))
            if changed:  # CheckConsent now answers differently for them: segmentation re-checks
                consent_feed.append_changes(conn, subject.subject_ids)
        if changed:
            self._on_change()
        return {"records": changed}

    def object(self, request: str, subject: Subject) -> dict[str, int]:
        if self._withdraw_marketing is None:
            raise RuntimeError("objection handling is not configured")
        return {"withdrawals": self._withdraw_marketing(request, subject.subject_ids)}

    def restricted(self, subject_ids: list[str]) -> set[str]:
        entries = {self._suppressor.entry(s): s for s in subject_ids}
        with self._engine.connect() as conn:
            present = restriction_entries(conn).present(list(entries))
        return {entries[e] for e in present}

    def _entries(self, subject: Subject) -> list[bytes]:
        return [self._suppressor.entry(s) for s in subject.subject_ids]
