"""A transactional outbox as an append-only log plus a cursor per destination, and its relay.

Writers append in the same transaction as their state change; the relay pushes batches in log order
and advances the cursor only after the destination acknowledged, so delivery is at least once and a
destination that is down delays the pipeline without losing anything.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    text,
    update,
)

from cdp.db.engine import is_sqlite

log = logging.getLogger("cdp.outbox")


def outbox_tables(metadata: MetaData, prefix: str = "outbox") -> tuple[Table, Table]:
    entries = Table(
        prefix,
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("payload", LargeBinary, nullable=False),
        Column("item_count", Integer, nullable=False),
        sqlite_autoincrement=True,  # a deleted tail must never have its sequence numbers reused
    )
    cursors = Table(
        f"{prefix}_cursor",
        metadata,
        Column("destination", String(64), primary_key=True),
        Column("last_seq", Integer, nullable=False),
    )
    return entries, cursors


def append(conn: Connection, entries: Table, payload: bytes, item_count: int) -> int:
    """Appends in the caller's transaction.

    On PostgreSQL, sequence numbers are handed out before commit, so two writers could commit out of
    order and the relay, reading past its cursor, would skip the later-committed smaller number. An
    advisory lock held to commit makes commit order equal sequence order (SQLite has one writer anyway).
    """
    if not is_sqlite(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(entries.name)})
    statement = insert(entries).values(payload=payload, item_count=item_count)
    return conn.execute(statement).inserted_primary_key[0]


def _lock_key(name: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"outbox:{name}".encode()).digest()[:8], "big", signed=True
    )


@dataclass(frozen=True)
class Pending:
    seq: int
    payload: bytes


class Relay:
    """Delivers outbox entries to one destination, in order, batched, with exponential backoff."""

    def __init__(
        self,
        engine: Engine,
        entries: Table,
        cursors: Table,
        destination: str,
        deliver: Callable[[Sequence[Pending]], None],
        max_items: int = 2000,
        idle_wait: float = 0.02,
        max_backoff: float = 2.0,
        prune_interval: float | None = None,
    ) -> None:
        self._engine, self._entries, self._cursors = engine, entries, cursors
        self._destination = destination
        self._deliver = deliver
        self._max_items = max_items
        self._idle_wait = idle_wait
        self._max_backoff = max_backoff
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        # Set: delivered entries are deleted (at most once per interval), so the outbox holds only
        # what is on its way and an erasure has little to scrub. None: the log is kept.
        self._prune_interval = prune_interval
        self._next_prune = 0.0
        self._unpruned = prune_interval is not None  # a crash may have left a delivered tail

    def start(self) -> None:
        """Starts the delivery thread; again after stop(), and not twice."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"relay-{self._destination}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def notify(self) -> None:
        """New entries were committed: deliver now instead of at the next poll."""
        self._wake.set()

    def pump_once(self) -> int:
        """Delivers one batch; returns how many entries were delivered (0 when caught up)."""
        batch = self._pending()
        if not batch:
            self._prune_if_due()
            return 0
        self._deliver(batch)
        with self._engine.begin() as conn:
            conn.execute(
                update(self._cursors)
                .where(self._cursors.c.destination == self._destination)
                .values(last_seq=batch[-1].seq)
            )
        self._unpruned = self._prune_interval is not None
        self._prune_if_due()
        return len(batch)

    def prune(self) -> None:
        """Deletes the entries the destination acknowledged."""
        with self._engine.begin() as conn:
            last = self._cursor(conn)
            if last:
                conn.execute(delete(self._entries).where(self._entries.c.seq <= last))
        self._unpruned = False
        self._next_prune = time.monotonic() + (self._prune_interval or 0.0)

    def _prune_if_due(self) -> None:
        # Pruning is a write: at most once per interval, so it seldom competes with the writers.
        if self._unpruned and time.monotonic() >= self._next_prune:
            self.prune()

    def lag(self) -> int:
        with self._engine.connect() as conn:
            last = self._cursor(conn)
            return (
                conn.execute(
                    select(self._entries.c.seq)
                    .where(self._entries.c.seq > last)
                    .order_by(self._entries.c.seq.desc())
                    .limit(1)
                ).scalar()
                or last
            )

    def _run(self) -> None:
        backoff = 0.05
        while not self._stop.is_set():
            try:
                delivered = self.pump_once()
                backoff = 0.05
            except Exception as exc:
                log.warning(
                    "delivery to %s failed (%s); retrying in %.2fs",
                    self._destination,
                    type(exc).__name__,
                    backoff,
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if not delivered:
                self._wake.wait(self._idle_wait * 10)
                self._wake.clear()

    def _pending(self) -> list[Pending]:
        with self._engine.connect() as conn:
            last = self._cursor(conn)
            rows = conn.execute(
                select(self._entries.c.seq, self._entries.c.payload, self._entries.c.item_count)
                .where(self._entries.c.seq > last)
                .order_by(self._entries.c.seq)
                .limit(200)
            )
            batch, items = [], 0
            for seq, payload, count in rows:
                if batch and items + count > self._max_items:
                    break
                batch.append(Pending(seq, payload))
                items += count
            return batch

    def _cursor(self, conn: Connection) -> int:
        last = conn.execute(
            select(self._cursors.c.last_seq).where(self._cursors.c.destination == self._destination)
        ).scalar()
        if last is None:
            conn.execute(insert(self._cursors).values(destination=self._destination, last_seq=0))
            conn.commit()
            return 0
        return last


class ConcatenatingDelivery:
    """A relay's deliver() for entries that are whole serialized requests of one repeated field.

    A run of entries concatenated is one request (repeated fields append), so pending entries go
    out in calls of at most max_bytes; an entry larger than that is split by its items.
    """

    def __init__(
        self, apply: Callable[[bytes], None], request_type: type, field: str, max_bytes: int
    ) -> None:
        self._apply, self._type, self._field = apply, request_type, field
        self._max_bytes = max_bytes

    def __call__(self, pending: Sequence[Pending]) -> None:
        for call in self.calls([entry.payload for entry in pending]):
            self._apply(call)

    def calls(self, payloads: Sequence[bytes]) -> Iterator[bytes]:
        group: list[bytes] = []
        size = 0
        for payload in payloads:
            if group and size + len(payload) > self._max_bytes:
                yield b"".join(group)
                group, size = [], 0
            if len(payload) > self._max_bytes:
                yield from self._split(payload)
                continue
            group.append(payload)
            size += len(payload)
        if group:
            yield b"".join(group)

    def _split(self, payload: bytes) -> Iterator[bytes]:
        request, size = self._type(), 0
        for item in getattr(self._type.FromString(payload), self._field):
            item_size = item.ByteSize() + 8  # the field's tag and length
            if getattr(request, self._field) and size + item_size > self._max_bytes:
                yield request.SerializeToString()
                request, size = self._type(), 0
            getattr(request, self._field).append(item)
            size += item_size
        if getattr(request, self._field):
            yield request.SerializeToString()


# What a rewrite makes of one entry: its new payload and item count, or None to delete it.
Rewritten = tuple[bytes, int] | None


def rewrite(
    conn: Connection,
    entries: Table,
    needles: Collection[bytes],
    change: Callable[[bytes], Rewritten],
    page: int = 200,
) -> int:
    """Erasure: rewrites (or deletes) every entry whose payload contains one of `needles`.

    Entries are read a page at a time and byte-searched first, which spares parsing the usual
    entry; `change` sees only payloads that name the person. Returns how many items were removed.
    """
    changed, last = 0, 0
    while rows := conn.execute(
        select(entries.c.seq, entries.c.payload, entries.c.item_count)
        .where(entries.c.seq > last)
        .order_by(entries.c.seq)
        .limit(page)
    ).all():
        for seq, payload, count in rows:
            if any(needle in payload for needle in needles):
                changed += _apply(conn, entries, seq, payload, count, change(payload))
        last = rows[-1].seq
    return changed


def _apply(
    conn: Connection, entries: Table, seq: int, before: bytes, count: int, after: Rewritten
) -> int:
    """Items removed from one entry (the whole entry's when nothing of it is left)."""
    where = entries.c.seq == seq
    if after is None:
        conn.execute(delete(entries).where(where))
        return count
    payload, kept = after
    if payload == before:
        return 0
    conn.execute(update(entries).where(where).values(payload=payload, item_count=kept))
    return max(count - kept, 1)
