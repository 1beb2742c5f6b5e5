"""The key store: wraps and unwraps data keys with the KEK provider; the only place raw DEKs exist."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cdp.consent.adapters.orm import subject_keys
from cdp.consent.domain.keys import DataKey, KeyState
from cdp.db import is_sqlite
from cdp.pii.kek import KeyProvider


class SqlKeyRepository:
    def __init__(self, conn: Connection, provider: KeyProvider) -> None:
        self._conn = conn
        self._provider = provider

    def get(self, subject_ids: Sequence[str]) -> dict[str, DataKey]:
        rows = self._conn.execute(
            select(subject_keys).where(subject_keys.c.subject_id.in_(subject_ids))
        )
        return {row.subject_id: self._to_key(row) for row in rows}

    def create(self, subject_ids: Sequence[str]) -> None:
        """Creates keys for subjects that have no row (a tombstone counts as a row: never re-created)."""
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

    def destroy(self, subject_ids: Sequence[str], request_id: str) -> int:
        result = self._conn.execute(
            update(subject_keys)
            .where(
                subject_keys.c.subject_id.in_(subject_ids), subject_keys.c.destroy_time.is_(None)
            )
            .values(
                wrapped_key=None,
                kek_version=None,
                destroy_time=datetime.now(UTC),
                destroy_request=request_id or None,
            )
        )
        return result.rowcount

    def tombstone_missing(self, subject_ids: Sequence[str], request_id: str) -> None:
        """Erasure of a subject that never had a key still fences it: no key will ever be made."""
        now = datetime.now(UTC)
        rows = [
            {
                "subject_id": s,
                "key_version": 0,
                "create_time": now,
                "destroy_time": now,
                "destroy_request": request_id or None,
            }
            for s in subject_ids
        ]
        if rows:
            insert = (sqlite.insert if is_sqlite(self._conn) else postgresql.insert)(subject_keys)
            self._conn.execute(insert.on_conflict_do_nothing(index_elements=["subject_id"]), rows)

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
        if row.destroy_time is not None or row.wrapped_key is None:
            return DataKey(row.subject_id, KeyState.DESTROYED, version=row.key_version)
        dek = self._provider.unwrap(row.kek_version, row.wrapped_key, row.subject_id)
        return DataKey(row.subject_id, KeyState.ACTIVE, dek, row.key_version)
