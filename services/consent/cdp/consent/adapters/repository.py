"""The key store: wraps and unwraps data keys with the KEK provider; the only place raw DEKs exist."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cdp.consent.adapters.orm import subject_keys
from cdp.consent.adapters.privacy_repository import suppression_entries
from cdp.consent.domain.keys import DataKey, KeyState
from cdp.consent.domain.suppression import Suppressor
from cdp.db import is_sqlite
from cdp.pii.kek import KeyProvider


class SqlKeyRepository:
    def __init__(self, conn: Connection, provider: KeyProvider, suppressor: Suppressor) -> None:
        self._conn = conn
        self._provider = provider
        self._suppressor = suppressor

    def get(self, subject_ids: Sequence[str]) -> dict[str, DataKey]:
        """Active keys, and DESTROYED for tombstoned subjects (their rows are gone, their HMAC stays)."""
        rows = self._conn.execute(
            select(subject_keys).where(subject_keys.c.subject_id.in_(subject_ids))
        )
        found = {row.subject_id: self._to_key(row) for row in rows}
        missing = {self._suppressor.entry(s): s for s in subject_ids if s not in found}
        for entry in suppression_entries(self._conn).present(list(missing)):
            found[missing[entry]] = DataKey(missing[entry], KeyState.DESTROYED)
        return found

    def create(self, subject_ids: Sequence[str]) -> None:
        """Creates keys for subjects with no key; callers pass only those `get` did not find at all."""
        now = datetime.now(UTC)
        rows = []
        for subject_id in subject_ids:
            kek_version, wrapped = self._provider.wrap(os.urandom(32), subject_id)
            rows.append(
                {
                    "subject_id": subject_id,
                    "key_version": 1,
                    "kek_version": kek_version,
                    "wrapped_key": wrapped,
                    "create_time": now,
                }
            )
        if rows:
            insert = (sqlite.insert if is_sqlite(self._conn) else postgresql.insert)(subject_keys)
            self._conn.execute(insert.on_conflict_do_nothing(index_elements=["subject_id"]), rows)

    def destroy(
        self, subject_ids: Sequence[str], request_id: str, now: datetime | None = None
    ) -> int:
        """Deletes the wrapped keys and leaves a tombstone (the suppression HMAC): no key, ever again."""
        entries = [self._suppressor.entry(s) for s in subject_ids]
        suppression_entries(self._conn).add(
            entries, request_id or "direct", now or datetime.now(UTC)
        )
        result = self._conn.execute(
            delete(subject_keys).where(subject_keys.c.subject_id.in_(subject_ids))
        )
        return result.rowcount

    def reapply(self, tombstones: set[bytes]) -> int:
        """Destroys again every key named in the tombstone log (after a key-store restore)."""
        ids = list(self._conn.execute(select(subject_keys.c.subject_id)).scalars())
        doomed = [s for s in ids if self._suppressor.entry(s) in tombstones]
        if doomed:
            self._conn.execute(delete(subject_keys).where(subject_keys.c.subject_id.in_(doomed)))
        suppression_entries(self._conn).add(tombstones, "tombstone-log", datetime.now(UTC))
        return len(doomed)

    def rewrap_all(self) -> int:
        target = self._provider.current_version()
        rows = self._conn.execute(
            select(
                subject_keys.c.subject_id, subject_keys.c.kek_version, subject_keys.c.wrapped_key
            ).where(subject_keys.c.wrapped_key.is_not(None), subject_keys.c.kek_version != target)
        ).all()
        for subject_id, version, wrapped in rows:
            dek = self._provider.unwrap(version, wrapped, subject_id)
            new_version, new_wrapped = self._provider.wrap(dek, subject_id)
            self._conn.execute(
                update(subject_keys)
                .where(subject_keys.c.subject_id == subject_id)
                .values(kek_version=new_version, wrapped_key=new_wrapped)
            )
        return len(rows)

    def _to_key(self, row) -> DataKey:
        if row.wrapped_key is None:
            return DataKey(row.subject_id, KeyState.DESTROYED, version=row.key_version)
        dek = self._provider.unwrap(row.kek_version, row.wrapped_key, row.subject_id)
        return DataKey(row.subject_id, KeyState.ACTIVE, dek, row.key_version)
