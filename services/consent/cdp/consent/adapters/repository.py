"""The key store: wraps and unwraps data keys with the KEK provider; the only place raw DEKs exist."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cdp.consent.adapters.orm import subject_key_versions, subject_keys
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
        """Active keys (with their retired versions), DESTROYED for tombstoned subjects."""
        rows = self._conn.execute(
            select(subject_keys).where(subject_keys.c.subject_id.in_(subject_ids))
        )
        previous = self._previous(subject_ids)
        found = {
            row.subject_id: self._to_key(row, previous.get(row.subject_id, {})) for row in rows
        }
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
                    "encryptions": 0,
                }
            )
        if rows:
            statement = (sqlite.insert if is_sqlite(self._conn) else postgresql.insert)(
                subject_keys
            )
            self._conn.execute(
                statement.on_conflict_do_nothing(index_elements=["subject_id"]), rows
            )

    def destroy(
        self, subject_ids: Sequence[str], request_id: str, now: datetime | None = None
    ) -> int:
        """Deletes every version of the keys and leaves a tombstone (the suppression HMAC)."""
        entries = [self._suppressor.entry(s) for s in subject_ids]
        suppression_entries(self._conn).add(
            entries, request_id or "direct", now or datetime.now(UTC)
        )
        return self._delete(subject_ids)

    def reapply(self, tombstones: set[bytes]) -> int:
        """Destroys again every key named in the tombstone log (after a key-store restore)."""
        ids = list(self._conn.execute(select(subject_keys.c.subject_id)).scalars())
        doomed = [s for s in ids if self._suppressor.entry(s) in tombstones]
        if doomed:
            self._delete(doomed)
        suppression_entries(self._conn).add(tombstones, "tombstone-log", datetime.now(UTC))
        return len(doomed)

    def add_usage(self, usages: dict[tuple[str, int], int], budget: int) -> list[str]:
        """Adds encryptions made under current versions; returns the subjects now past the budget."""
        statement = (
            update(subject_keys)
            .where(
                subject_keys.c.subject_id == bindparam("sid"),
                subject_keys.c.key_version == bindparam("ver"),
            )
            .values(encryptions=subject_keys.c.encryptions + bindparam("n"))
        )
        rows = [{"sid": sid, "ver": ver, "n": n} for (sid, ver), n in usages.items()]
        if rows:
            self._conn.execute(
                statement, rows
            )  # one executemany per report, not a statement per key
        subjects = list({subject_id for subject_id, _ in usages})
        over = select(subject_keys.c.subject_id).where(
            subject_keys.c.subject_id.in_(subjects), subject_keys.c.encryptions > budget
        )
        return list(self._conn.execute(over).scalars())

    def rotate(self, subject_ids: Sequence[str]) -> None:
        """Retires each current key to the versions table and makes version + 1 current."""
        now = datetime.now(UTC)
        rows = self._conn.execute(
            select(subject_keys).where(subject_keys.c.subject_id.in_(subject_ids))
        ).all()
        for row in rows:
            self._conn.execute(
                insert(subject_key_versions).values(
                    subject_id=row.subject_id,
                    key_version=row.key_version,
                    kek_version=row.kek_version,
                    wrapped_key=row.wrapped_key,
                    retire_time=now,
                )
            )
            kek_version, wrapped = self._provider.wrap(os.urandom(32), row.subject_id)
            self._conn.execute(
                update(subject_keys)
                .where(subject_keys.c.subject_id == row.subject_id)
                .values(
                    key_version=row.key_version + 1,
                    kek_version=kek_version,
                    wrapped_key=wrapped,
                    encryptions=0,
                )
            )

    def rewrap_all(self) -> int:
        """Rewraps current and retired keys under the newest KEK; the data keys themselves stay."""
        return self._rewrap(subject_keys, (subject_keys.c.subject_id,)) + self._rewrap(
            subject_key_versions,
            (subject_key_versions.c.subject_id, subject_key_versions.c.key_version),
        )

    def _rewrap(self, table, key_columns) -> int:
        target = self._provider.current_version()
        rows = self._conn.execute(
            select(*key_columns, table.c.kek_version, table.c.wrapped_key).where(
                table.c.wrapped_key.is_not(None), table.c.kek_version != target
            )
        ).all()
        for row in rows:
            subject_id = row[0]
            dek = self._provider.unwrap(row.kek_version, row.wrapped_key, subject_id)
            new_version, new_wrapped = self._provider.wrap(dek, subject_id)
            where = [
                column == value
                for column, value in zip(key_columns, row[: len(key_columns)], strict=True)
            ]
            self._conn.execute(
                update(table).where(*where).values(kek_version=new_version, wrapped_key=new_wrapped)
            )
        return len(rows)

    def _delete(self, subject_ids: Sequence[str]) -> int:
        self._conn.execute(
            delete(subject_key_versions).where(subject_key_versions.c.subject_id.in_(subject_ids))
        )
        return self._conn.execute(
            delete(subject_keys).where(subject_keys.c.subject_id.in_(subject_ids))
        ).rowcount

    def _previous(self, subject_ids: Sequence[str]) -> dict[str, dict[int, bytes]]:
        rows = self._conn.execute(
            select(subject_key_versions).where(subject_key_versions.c.subject_id.in_(subject_ids))
        )
        found: dict[str, dict[int, bytes]] = {}
        for row in rows:
            dek = self._provider.unwrap(row.kek_version, row.wrapped_key, row.subject_id)
            found.setdefault(row.subject_id, {})[row.key_version] = dek
        return found

    def _to_key(self, row, previous: dict[int, bytes]) -> DataKey:
        if row.wrapped_key is None:
            return DataKey(row.subject_id, KeyState.DESTROYED, version=row.key_version)
        dek = self._provider.unwrap(row.kek_version, row.wrapped_key, row.subject_id)
        return DataKey(row.subject_id, KeyState.ACTIVE, dek, row.key_version, previous)
