"""Fixtures shared by every kind of test: dev key material, tokens, databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cdp.grpcx.runtime import ensure_dev_keys
from cdp.grpcx.tokens import TokenIssuer, load_private_key
from cdp.pii import BlindIndexer, SubjectKey, Vault
from tests.support.postgres import postgres_server_url


class InMemoryKeys:
    """A KeySource for unit and integration tests (the real KeyService is tested on its own)."""

    def __init__(self) -> None:
        self.keys: dict[str, SubjectKey] = {}

    def get_keys(self, subject_ids: Sequence[str], create: bool) -> dict[str, SubjectKey]:
        found = {}
        for subject_id in subject_ids:
            if subject_id not in self.keys and create:
                self.keys[subject_id] = SubjectKey(subject_id, 1, os.urandom(32))
            if subject_id in self.keys:
                found[subject_id] = self.keys[subject_id]
        return found

    def destroy(self, subject_id: str) -> None:
        self.keys[subject_id] = SubjectKey(subject_id, 1, None, destroyed=True)


@pytest.fixture
def keys() -> InMemoryKeys:
    return InMemoryKeys()


@pytest.fixture
def vault(keys: InMemoryKeys) -> Vault:
    return Vault(keys)


@pytest.fixture
def indexer() -> BlindIndexer:
    return BlindIndexer(b"k" * 32)


@pytest.fixture
def dev_dir(tmp_path: Path) -> Path:
    """A data dir with dev keys, as `cdp up` leaves it on first run."""
    root = tmp_path / "cdp"
    ensure_dev_keys(root)
    return root


@pytest.fixture
def mint(dev_dir: Path):
    issuer = TokenIssuer(load_private_key(dev_dir / "keys" / "token.pem"))

    def mint_token(*roles: str, ttl: int = 600) -> str:
        return issuer.mint("test", roles, ttl)

    return mint_token


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    url = postgres_server_url()
    if url is None:
        pytest.skip("PostgreSQL is not reachable and no server binaries were found to start one")
    yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped afterwards."""
    yield from _fresh_database(postgres_server)


def _fresh_database(postgres_server: str) -> Iterator[str]:
    name = f"cdp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{postgres_server}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def module_postgres_url(postgres_server: str) -> Iterator[str]:
    """One fresh PostgreSQL database shared by a module's tests (they clear what they fill)."""
    yield from _fresh_database(postgres_server)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(request, tmp_path_factory) -> str:
    """database_url for a whole module: creating a PostgreSQL database per test costs ~2 s."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return request.getfixturevalue("module_postgres_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """Runs a test once on SQLite (a real file) and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")
