"""Key service use cases: one transaction each."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine

from cdp.consent.adapters.repository import SqlKeyRepository
from cdp.consent.domain.keys import DataKey, KeyState, check_subject_ids
from cdp.db import write_transaction
from cdp.pii.kek import KeyProvider

log = logging.getLogger("cdp.consent.keys")
KEY_LOCK = 0x4B45_5953  # serialises key creation and destruction on PostgreSQL


def get_data_keys(
    engine: Engine, provider: KeyProvider, subject_ids: list[str], create: bool
) -> list[DataKey]:
    check_subject_ids(subject_ids)
    with engine.connect() as conn:
        found = SqlKeyRepository(conn, provider).get(subject_ids)
    missing = [s for s in dict.fromkeys(subject_ids) if s not in found]
    if create and missing:
        with write_transaction(engine, KEY_LOCK) as conn:
            repository = SqlKeyRepository(conn, provider)
            repository.create(missing)
            found.update(repository.get(missing))
    return [found.get(s, DataKey(s, KeyState.MISSING)) for s in subject_ids]


def destroy_data_keys(
    engine: Engine,
    provider: KeyProvider,
    subject_ids: list[str],
    request_id: str,
    on_destroyed: Callable[[list[str]], None] | None = None,
) -> int:
    check_subject_ids(subject_ids)
    with write_transaction(engine, KEY_LOCK) as conn:
        repository = SqlKeyRepository(conn, provider)
        destroyed = repository.destroy(subject_ids, request_id)
        repository.tombstone_missing(subject_ids, request_id)
    if on_destroyed is not None:
        on_destroyed(subject_ids)
    log.info("destroyed %d data keys", destroyed)
    return destroyed


def rotate_kek(engine: Engine, provider: KeyProvider) -> tuple[int, int]:
    rotate = getattr(provider, "rotate", None)
    version = rotate() if rotate is not None else provider.current_version()
    with write_transaction(engine, KEY_LOCK) as conn:
        count = SqlKeyRepository(conn, provider).rewrap_all()
    log.info("rewrapped %d data keys under KEK version %d", count, version)
    return version, count
