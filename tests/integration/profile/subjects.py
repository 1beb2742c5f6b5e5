"""Data subjects for DSR tests: who they are, and byte scans of every table and file for them."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import MetaData, create_engine, inspect, select

from cdp.profile.domain.privacy import Subject
from tests.integration.profile.support import Sealer


@dataclass
class Person:
    """Identifiers of one person and the profile names identity gave them."""

    identifiers: list[tuple[str, str]]
    profiles: list[str] = field(default_factory=list)

    def subject(self, sealer: Sealer) -> Subject:
        return Subject(
            tuple(sealer.subject_of(kind, value) for kind, value in self.identifiers),
            tuple(sealer.blind_index(kind, value) for kind, value in self.identifiers),
            tuple(self.profiles),
        )


def needles(subject: Subject) -> list[bytes]:
    """The subject ids and blind indexes in every form a column could hold them."""
    found = []
    for subject_id in subject.subject_ids:
        found.append(subject_id.encode())
    for blind in subject.blind_indexes:
        found += [blind, blind.hex().encode(), base64.b64encode(blind).rstrip(b"=")]
    return found


def rows_naming(database_url: str, subject: Subject) -> list[str]:
    """Every (table, column) of every table whose value holds one of the subject's values."""
    engine = create_engine(database_url)
    hits = []
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    for column, value in row._mapping.items():
                        if _holds(value, needles(subject)):
                            hits.append(f"{table.name}.{column}")
    finally:
        engine.dispose()
    return hits


def table_names(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _holds(value: object, wanted: list[bytes]) -> bool:
    if value is None:
        return False
    if isinstance(value, memoryview):
        value = bytes(value)
    data = value if isinstance(value, bytes) else str(value).encode()
    forms = [data, data.hex().encode()] if isinstance(value, bytes) else [data]
    return any(needle in form for needle in wanted for form in forms)


def file_hits(database_url: str, subject: Subject) -> list[str]:
    """SQLite only: the raw bytes of the database file and its WAL/journal, scanned whole."""
    path = Path(database_url.removeprefix("sqlite:///"))
    hits = []
    for file in sorted(path.parent.glob(path.name + "*")):
        data = file.read_bytes()
        hits += [f"{file.name}: {len(n)}-byte needle" for n in needles(subject) if n in data]
    return hits
