"""Reads the profile outbox the way segmentation would receive it (decoded ApplyProfileUpdates)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine, select

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.profile.adapters.orm import outbox
from tests.support.scan import encodings


@dataclass(frozen=True)
class Entry:
    seq: int
    item_count: int
    payload: bytes

    @property
    def updates(self) -> list[feed_pb.ProfileUpdate]:
        return list(feed_pb.ApplyProfileUpdatesRequest.FromString(self.payload).updates)


def entries(database_url: str, after: int = 0) -> list[Entry]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.seq > after).order_by(outbox.c.seq))
            return [Entry(row.seq, row.item_count, bytes(row.payload)) for row in rows]
    finally:
        engine.dispose()


def last_seq(database_url: str) -> int:
    found = entries(database_url)
    return found[-1].seq if found else 0


def updates(database_url: str, after: int = 0) -> list[feed_pb.ProfileUpdate]:
    return [update for entry in entries(database_url, after) for update in entry.updates]


def kinds(found: list[feed_pb.ProfileUpdate]) -> list[str]:
    return [update.WhichOneof("kind") for update in found]


def leaks(database_url: str, values: list[str]) -> list[str]:
    """Every (entry, encoding) where one of the values sits in an outbox payload."""
    return [
        f"entry {entry.seq}: {form} form"
        for entry in entries(database_url)
        for value in values
        for form, needle in encodings(value).items()
        if needle.lower() in entry.payload.lower()
    ]


def name(profile_id: str) -> str:
    return f"profiles/{profile_id}"
