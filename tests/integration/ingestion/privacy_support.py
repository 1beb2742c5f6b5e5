"""A test person with every kind of identifier, and scans of a database for their keys' bytes."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from cdp.db import is_sqlite
from cdp.ingestion.adapters.orm import event_log
from cdp.ingestion.adapters.pipeline import decode_batch
from cdp.ingestion.domain.model import Event, EventType
from cdp.pii import BlindIndexer


@dataclass
class Person:
    """One data subject: a user id, an email, a VN phone and a device, all unique to the test."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    @property
    def user_id(self) -> str:
        return f"canary-user-{self.tag}"

    @property
    def email(self) -> str:
        return f"canary+{self.tag}@example.test"

    @property
    def phone(self) -> str:
        return "+84912" + str(int(self.tag[:6], 16) % 1_000_000).zfill(6)

    @property
    def phone_national(self) -> str:
        """The same number as a Vietnamese caller writes it: 0912 345 678."""
        digits = self.phone[3:]
        return f"0{digits[:3]} {digits[3:6]} {digits[6:]}"

    @property
    def device(self) -> str:
        return f"canary-device-{self.tag}"

    def blind_indexes(self, indexer: BlindIndexer) -> list[bytes]:
        return [
            indexer.index_raw("user_id", self.user_id),
            indexer.index_raw("email", self.email),
            indexer.index_raw("phone", self.phone),
            indexer.index_raw("device_id", self.device),
        ]

    def subject_ids(self, indexer: BlindIndexer) -> list[str]:
        return [indexer.subject_id(blind) for blind in self.blind_indexes(indexer)]

    def identify(self, message_id: str) -> Event:
        """Links every identifier of the person (identity would put them on one profile)."""
        return Event(
            message_id=message_id,
            type=EventType.IDENTIFY,
            user_id=self.user_id,
            traits={"email": self.email, "phone": self.phone, "name": f"Nguyễn {self.tag}"},
            context={"device": {"id": self.device}, "ip": "198.51.100.7"},
        )

    def track(self, message_id: str, **changes) -> Event:
        return Event(
            message_id=message_id,
            type=EventType.TRACK,
            user_id=self.user_id,
            event="Ordered",
            properties={"total": 12, "email": self.email},
            **changes,
        )


def needles(indexer: BlindIndexer, person: Person) -> dict[str, bytes]:
    """The person's keys as they could sit in a database: raw, hex, base64; subject ids as text."""
    found: dict[str, bytes] = {}
    for position, blind in enumerate(person.blind_indexes(indexer)):
        found[f"blind[{position}]"] = blind
        found[f"blind[{position}].hex"] = blind.hex().encode()
        found[f"blind[{position}].base64"] = base64.b64encode(blind).rstrip(b"=")
    for position, subject_id in enumerate(person.subject_ids(indexer)):
        found[f"subject[{position}]"] = subject_id.encode()
    return found


def rows_referencing(engine: Engine, targets: dict[str, bytes]) -> list[str]:
    """Every table, every column, every row; log payloads also decoded event by event."""
    hits = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for column, value in row.items():
                    hits += [f"{table}.{column}: {name}" for name in _found(value, targets)]
        for (payload,) in conn.execute(event_log.select().with_only_columns(event_log.c.payload)):
            for event in decode_batch(bytes(payload)).events:
                for name in _found(event.public_json, targets):
                    hits.append(f"event_log.payload public_json: {name}")
    return hits


def files_referencing(engine: Engine, targets: dict[str, bytes]) -> list[str]:
    """SQLite only: the raw bytes of the database file, its WAL and shared-memory index."""
    assert is_sqlite(engine)
    database = Path(engine.url.database)
    hits = []
    for path in sorted(database.parent.glob(database.name + "*")):
        data = path.read_bytes()
        hits += [f"{path.name}: {name}" for name, needle in targets.items() if needle in data]
    return hits


def _found(value: object, targets: dict[str, bytes]) -> list[str]:
    if value is None:
        return []
    data = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
    return [name for name, needle in targets.items() if needle in data]
