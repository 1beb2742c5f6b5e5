"""Composition root of the consent service: no I/O at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from cdp.consent.settings import Settings
from cdp.db import make_engine, upgrade
from cdp.pii.kek import KeyProvider, LocalKeyFileProvider, MountedSecretProvider

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class App:
    engine: Engine
    kek: KeyProvider

    def stop(self) -> None:
        self.engine.dispose()


def key_provider(settings: Settings) -> KeyProvider:
    if settings.kek_dir is not None:
        return MountedSecretProvider(settings.kek_dir)
    return LocalKeyFileProvider(settings.kek_file)


def bootstrap(settings: Settings) -> App:
    engine = make_engine(settings.common.database_url)
    upgrade(engine, MIGRATIONS)
    return App(engine=engine, kek=key_provider(settings))
