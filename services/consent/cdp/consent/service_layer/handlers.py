"""Key service use cases: one transaction each."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from cdp.consent.adapters import consent_feed
from cdp.consent.adapters.repository import SqlKeyRepository
from cdp.consent.adapters.tombstones import TombstoneLog
from cdp.consent.domain.keys import (
    DEFAULT_USAGE_BUDGET,
    MAX_SUBJECTS,
    DataKey,
    KeyState,
    check_subject_ids,
)
from cdp.consent.domain.suppression import Suppressor
from cdp.db import write_transaction
from cdp.errors import too_many
from cdp.pii.kek import KeyProvider

log = logging.getLogger("cdp.consent.keys")
KEY_LOCK = 0x4B45_5953  # serialises key creation and destruction on PostgreSQL
MAX_USAGES = 10_000


@dataclass(frozen=True)
class KeyStore:
    engine: Engine
    provider: KeyProvider
    suppressor: Suppressor
    tombstones: TombstoneLog
    # Appends one audit entry in the caller's transaction: (conn, action, subject_ids, details).
    audit: Callable[[Connection, str, list[str], dict], None] | None = None
    usage_budget: int = DEFAULT_USAGE_BUDGET
    # Wakes the relay to segmentation after keys are destroyed (the subjects are now suppressed).
    on_destroy: Callable[[], None] = lambda: None

    def repository(self, conn: Connection) -> SqlKeyRepository:
        return SqlKeyRepository(conn, self.provider, self.suppressor)


def get_data_keys(store: KeyStore, subject_ids: list[str], create: bool) -> list[DataKey]:
    check_subject_ids(subject_ids)
    with store.engine.connect() as conn:
        found = store.repository(conn).get(subject_ids)
    missing = [s for s in dict.fromkeys(subject_ids) if s not in found]
    if create and missing:
        with write_transaction(store.engine, KEY_LOCK) as conn:
            repository = store.repository(conn)
            # Re-read under the lock: an erasure may have tombstoned a subject since the first read.
            found.update(repository.get(missing))
            repository.create([s for s in missing if s not in found])
            found.update(repository.get(missing))
    return [found.get(s, DataKey(s, KeyState.MISSING)) for s in subject_ids]


def destroy_data_keys(store: KeyStore, subject_ids: list[str], request_id: str) -> int:
    check_subject_ids(subject_ids)
    with write_transaction(store.engine, KEY_LOCK) as conn:
        destroyed = destroy_in(conn, store, subject_ids, request_id)
        if store.audit is not None:
            store.audit(conn, "key.destroyed", subject_ids, {"destroyed": destroyed})
        # Destruction suppresses them, so CheckConsent says no: segmentation re-checks (lock order
        # KEY -> AUDIT -> outbox, as everywhere).
        consent_feed.append_changes(conn, subject_ids)
    store.on_destroy()
    log.info("destroyed %d data keys", destroyed)
    return destroyed


def destroy_in(conn: Connection, store: KeyStore, subject_ids: list[str], request_id: str) -> int:
    """Within the caller's transaction; the tombstone log is on disk before the keys go."""
    store.tombstones.append(store.suppressor.entry(s) for s in subject_ids)
    return store.repository(conn).destroy(subject_ids, request_id)


def report_key_usage(store: KeyStore, usages: dict[tuple[str, int], int]) -> list[str]:
    """Adds up encryptions per key; a key past the budget is rotated at once (R16), older versions kept."""
    if len(usages) > MAX_USAGES:
        raise too_many("usages", MAX_USAGES)
    check_subject_ids(list({s for s, _ in usages})[:MAX_SUBJECTS])
    with write_transaction(store.engine, KEY_LOCK) as conn:
        repository = store.repository(conn)
        rotated = repository.add_usage(usages, store.usage_budget)
        repository.rotate(rotated)
        if rotated and store.audit is not None:
            store.audit(
                conn, "key.rotated", rotated, {"rotated": len(rotated), "reason": "usage budget"}
            )
    return rotated


def reapply_tombstones(store: KeyStore) -> int:
    with write_transaction(store.engine, KEY_LOCK) as conn:
        destroyed = store.repository(conn).reapply(store.tombstones.entries())
    if destroyed:
        log.warning(
            "re-destroyed %d data keys named in the tombstone log (restored key store?)", destroyed
        )
    return destroyed


def rotate_kek(store: KeyStore) -> tuple[int, int]:
    rotate = getattr(store.provider, "rotate", None)
    version = rotate() if rotate is not None else store.provider.current_version()
    with write_transaction(store.engine, KEY_LOCK) as conn:
        count = store.repository(conn).rewrap_all()
        if store.audit is not None:
            store.audit(conn, "key.kek_rotated", [], {"kek_version": version, "rewrapped": count})
    # Every data key is wrapped under `version` now (committed above): retire the older KEKs (R18).
    raise_min = getattr(store.provider, "raise_min_version", None)
    if raise_min is not None:
        raise_min(version)
    log.info("rewrapped %d data keys under KEK version %d", count, version)
    return version, count
