"""Seeded people and events for the segmentation bench, loaded into its SQLite read model and CSV.

The rows go straight into the seg_* tables with executemany rather than through the profile feed:
the bench measures evaluating conditions over a large read model, not filling it, and the feed's
throughput is already measured end to end by the pipeline bench (loading 1M people through
ApplyProfileUpdates would take far longer than the whole bench is allowed). The same rows are
written as CSV files so that DuckDB loads exactly the same data.
"""

from __future__ import annotations

import csv
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from cdp.db import make_engine, upgrade
from cdp.segmentation.bootstrap import MIGRATIONS, VERSION_TABLE
from cdp.segmentation.domain.typed import typed_columns

SEED = 20260301
CHUNK = 50_000  # profiles generated, inserted and written per round: bounds memory at any N
DAY = 86_400_000_000  # microseconds
HISTORY_DAYS = 120
PURPOSE = "email_marketing"
COUNTRIES = {"VN": 12, "TH": 10, "ID": 10, "PH": 10, "MY": 10, "SG": 8, "US": 15, "GB": 10}
COUNTRIES |= {"DE": 8, "FR": 7}
PLANS = {"free": 60, "pro": 30, "enterprise": 10}
EVENTS = {"Page Viewed": 60, "Order Completed": 32, "Refund": 8}
CATEGORIES = ["books", "games", "garden", "kitchen", "music", "sports", "toys", "travel"]
GRANTED_SHARE = 0.8
# seg_events columns as written (the id is the rowid, assigned on insert).
EVENT_COLUMNS = ("profile_id", "subject_id", "source", "message_id", "type", "name", "time")
TRACK = 1  # EVENT_TYPE_TRACK


def profile_id(index: int) -> str:
    """Profile ids shaped like the profile service's: p and 24 hex digits."""
    return f"p{index:024x}"


# Hex digits spelled in the base32 alphabet of subject ids (a cheap bijection of the index).
_BASE32_DIGITS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def subject_id(index: int) -> str:
    """sub_ and 24 base32 characters, like cdp.pii.subjects ids (one subject per profile)."""
    return "sub_" + f"{index:024x}".translate(_BASE32_DIGITS)


def index_of(profile: str) -> int:
    return int(profile[1:], 16)


@dataclass
class Chunk:
    """Rows of one chunk of profiles, per table, in insertion order."""

    profiles: list[tuple[str]] = field(default_factory=list)
    subjects: list[tuple[str, str]] = field(default_factory=list)
    traits: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    consent: list[tuple[str, str, bool, int]] = field(default_factory=list)


class Generator:
    """Deterministic for a seed: the same N gives the same people, relative to `now`."""

    def __init__(self, now: int, seed: int = SEED) -> None:
        self.now = now
        self._random = random.Random(seed).random
        self._countries = _weighted(COUNTRIES)
        self._plans = _weighted(PLANS)
        self._events = _weighted(EVENTS)
        self._event_number = 0

    def chunks(self, count: int) -> Iterator[Chunk]:
        for start in range(0, count, CHUNK):
            chunk = Chunk()
            for index in range(start, min(start + CHUNK, count)):
                self._person(index, chunk)
            yield chunk

    def _pick(self, values: list[str]) -> str:
        return values[int(self._random() * len(values))]

    def _person(self, index: int, chunk: Chunk) -> None:
        pid, sid = profile_id(index), subject_id(index)
        chunk.profiles.append((pid,))
        chunk.subjects.append((sid, pid))
        traits = {
            "country": self._pick(self._countries),
            "plan": self._pick(self._plans),
            "ltv": int(self._random() * 5000),
        }
        for key, value in traits.items():
            chunk.traits.append((pid, key, False, *_typed(value), sid))
        for _ in range(int(self._random() * 11)):  # 0..10: ~5 events per person on average
            chunk.events.append(self._event(pid, sid))
        chunk.consent.append((pid, PURPOSE, self._random() < GRANTED_SHARE, self.now))

    def _event(self, pid: str, sid: str) -> tuple[Any, ...]:
        draw = self._random
        self._event_number += 1
        name = self._pick(self._events)
        at = self.now - int(draw() * HISTORY_DAYS * DAY)
        if name == "Page Viewed":
            properties = f'{{"path": "/p/{int(draw() * 500)}"}}'
        else:
            category, revenue = self._pick(CATEGORIES), round(5 + draw() * 495, 2)
            properties = f'{{"category": "{category}", "revenue": {revenue}}}'
        message = f"m{self._event_number:015x}"
        return (pid, sid, "bench", message, TRACK, name, at, properties)


_TRAIT_COLUMNS = ("value_json", "str_value", "num_value", "bool_value", "ts_value")


@functools.cache
def _typed(value: Any) -> tuple[Any, ...]:
    # Few distinct values (countries, plans, ltv in whole units): computed once each.
    typed = typed_columns(value)
    return tuple(typed[c] for c in _TRAIT_COLUMNS)


def _weighted(weights: dict[str, int]) -> list[str]:
    return [value for value, weight in weights.items() for _ in range(weight)]


_LOADED = ("seg_profiles", "seg_subjects", "seg_traits", "seg_events", "seg_consent")
_INSERTS = {
    "profiles": "INSERT INTO seg_profiles (id) VALUES (?)",
    "subjects": "INSERT INTO seg_subjects (subject_id, profile_id) VALUES (?, ?)",
    "traits": "INSERT INTO seg_traits (profile_id, key, personal, "
    + ", ".join(_TRAIT_COLUMNS)
    + ", subject_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "events": "INSERT INTO seg_events (" + ", ".join(EVENT_COLUMNS) + ", properties) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "consent": "INSERT INTO seg_consent (profile_id, purpose, granted, checked_at) "
    "VALUES (?, ?, ?, ?)",
}
# The CSV files DuckDB loads: per table, the columns its SQL reads (same values as SQLite's rows).
CSV_COLUMNS = {
    "profiles": ("id",),
    "traits": ("profile_id", "key", "str_value", "num_value"),
    "events": ("profile_id", "name", "time"),
    "consent": ("profile_id", "purpose", "granted"),
}
_CSV_PICK = {"profiles": (0,), "traits": (0, 1, 4, 5), "events": (0, 5, 6), "consent": (0, 1, 2)}


def build(database_url: str, csv_dir: Path, count: int, now: int) -> Engine:
    """Migrates a new database to head, loads `count` people into it and writes the CSV files."""
    engine = make_engine(database_url)
    upgrade(engine, MIGRATIONS, VERSION_TABLE)
    csv_dir.mkdir(parents=True, exist_ok=True)
    files = {name: (csv_dir / f"{name}.csv").open("w", newline="") for name in CSV_COLUMNS}
    writers = {name: csv.writer(handle) for name, handle in files.items()}
    for name, columns in CSV_COLUMNS.items():
        writers[name].writerow(columns)
    raw = engine.raw_connection()
    try:
        # Durability is beside the point while loading a throwaway database, and building each
        # index once at the end is faster than keeping it sorted row by row.
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-1000000")  # 1 GB
        indexes = _drop_indexes(raw)
        for chunk in Generator(now).chunks(count):
            _insert(raw, chunk)
            _write_csv(writers, chunk)
        for statement in indexes:  # the migrations' own DDL, as sqlite_master recorded it
            raw.execute(statement)
        # No ANALYZE: the service never runs it, so the planner works as it does in production.
    finally:
        raw.close()
        for handle in files.values():
            handle.close()
    engine.dispose()  # later connections get the service's own settings, not the loading ones
    return engine


def _drop_indexes(raw: Any) -> list[str]:
    """Drops the secondary indexes of the loaded tables; returns the DDL that recreates them."""
    tables = ", ".join(f"'{t}'" for t in _LOADED)
    found = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({tables})"
    ).fetchall()
    for name, _ in found:
        raw.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _insert(raw: Any, chunk: Chunk) -> None:
    cursor = raw.cursor()
    cursor.execute("BEGIN")
    for name, statement in _INSERTS.items():
        cursor.executemany(statement, getattr(chunk, name))
    cursor.execute("COMMIT")
    cursor.close()


def _write_csv(writers: dict[str, Any], chunk: Chunk) -> None:
    for name, picks in _CSV_PICK.items():
        rows = getattr(chunk, name)
        writers[name].writerows([tuple(row[i] for i in picks) for row in rows])
