"""The pipeline delivery adapter: identity's changes as ApplyProfileChangesRequest outbox entries.

Each entry is a complete serialized request whose change sequences are `entry seq * 100000 + index`,
so the relay can hand several entries to profile by concatenating them (repeated fields append).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence

from sqlalchemy import Connection, Engine, Table, delete, select, update

from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.db import outbox as outbox_log
from cdp.db import write_transaction
from cdp.identity.domain.model import (
    EventResolved,
    ProfileChange,
    ProfilesMerged,
    ProfileSplit,
    profile_name,
)

SEQUENCE_STRIDE = 100_000
DESTINATION = "profile"
# Below the 4 MiB a server accepts (cdp.grpcx.server), with room for the envelope.
MAX_CALL_BYTES = 3 * 1024 * 1024


def append(conn: Connection, entries: Table, changes: Sequence[ProfileChange]) -> int:
    """Appends one entry; its sequence numbers need the entry's own seq, hence insert then fill."""
    seq = outbox_log.append(conn, entries, b"", len(changes))
    conn.execute(update(entries).where(entries.c.seq == seq).values(payload=encode(seq, changes)))
    return seq


def encode(entry_seq: int, changes: Sequence[ProfileChange]) -> bytes:
    request = pb.ApplyProfileChangesRequest()
    add = request.changes.add
    for index, change in enumerate(changes):
        item = add(sequence=entry_seq * SEQUENCE_STRIDE + index)
        if isinstance(change, EventResolved):
            item.event.profile = profile_name(change.profile_id)
            item.event.event.CopyFrom(change.event)
        elif isinstance(change, ProfilesMerged):
            item.merged.profile = profile_name(change.survivor)
            item.merged.merged_profiles.extend(profile_name(p) for p in change.absorbed)
        elif isinstance(change, ProfileSplit):
            item.split.profile = profile_name(change.profile_id)
            item.split.new_profile = profile_name(change.new_profile_id)
            item.split.moved_blind_indexes.extend(change.moved_blind_indexes)
    return request.SerializeToString()


def scrub(
    conn: Connection,
    entries: Table,
    profile_ids: Collection[str],
    blind_indexes: Collection[bytes],
    subject_ids: Collection[str],
) -> Counter[str]:
    """Rewrites every entry (delivered or not, until pruned) without the changes naming the person.

    An event goes when its profile is theirs or any of its identifiers or its subject is theirs (as
    ResolveEvents drops such events once the person is fenced); merges and splits go when they name
    one of their profiles or moved identifiers. Entries left empty are deleted.
    """
    needles = Needles(
        frozenset(profile_name(p) for p in profile_ids),
        frozenset(blind_indexes),
        frozenset(subject_ids),
    )
    counts: Counter[str] = Counter()
    last = 0
    while rows := conn.execute(
        select(entries.c.seq, entries.c.payload)
        .where(entries.c.seq > last)
        .order_by(entries.c.seq)
        .limit(200)
    ).all():
        for seq, payload in rows:
            _scrub_entry(conn, entries, seq, payload, needles, counts)
        last = rows[-1].seq
    return counts


class Needles:
    """The person's names as they sit in a serialized request (protobuf keeps strings and bytes as is)."""

    def __init__(
        self, profiles: frozenset[str], blind_indexes: frozenset[bytes], subject_ids: frozenset[str]
    ) -> None:
        self.profiles, self.blind_indexes, self.subject_ids = profiles, blind_indexes, subject_ids
        self._raw = [n.encode() for n in profiles | subject_ids] + list(blind_indexes)

    def in_bytes(self, payload: bytes) -> bool:
        return any(needle in payload for needle in self._raw)

    def in_change(self, change: pb.ProfileChange) -> bool:
        kind = change.WhichOneof("change")
        if kind == "event":
            event = change.event.event
            return (
                change.event.profile in self.profiles
                or event.subject_id in self.subject_ids
                or any(
                    i.blind_index in self.blind_indexes or i.subject_id in self.subject_ids
                    for i in event.identifiers
                )
            )
        if kind == "merged":
            merged = change.merged
            return bool(self.profiles.intersection([merged.profile, *merged.merged_profiles]))
        split = change.split
        return bool(
            self.profiles.intersection([split.profile, split.new_profile])
            or self.blind_indexes.intersection(split.moved_blind_indexes)
        )


def _scrub_entry(
    conn: Connection, entries: Table, seq: int, payload: bytes, needles: Needles, counts: Counter
) -> None:
    if not needles.in_bytes(payload):
        return  # the common case: a cheap byte search spares parsing the entry
    kept = pb.ApplyProfileChangesRequest()
    dropped: Counter[str] = Counter()
    for change in pb.ApplyProfileChangesRequest.FromString(payload).changes:
        if needles.in_change(change):
            dropped["outbox_events" if change.HasField("event") else "outbox_changes"] += 1
        else:
            kept.changes.append(change)
    if not dropped:
        return
    counts.update(dropped)
    where = entries.c.seq == seq
    if kept.changes:
        values = {"payload": kept.SerializeToString(), "item_count": len(kept.changes)}
        conn.execute(update(entries).where(where).values(**values))
        counts["outbox_entries_rewritten"] += 1
    else:
        conn.execute(delete(entries).where(where))
        counts["outbox_entries_deleted"] += 1


class ProfileDelivery:
    """The relay's deliver(): pending entries, in order, in calls of at most max_bytes each."""

    def __init__(self, apply: Callable[[bytes], None], max_bytes: int = MAX_CALL_BYTES) -> None:
        self._apply = apply
        self._max_bytes = max_bytes

    def __call__(self, pending: Sequence[outbox_log.Pending]) -> None:
        for call in self.calls([entry.payload for entry in pending]):
            self._apply(call)

    def calls(self, payloads: Sequence[bytes]) -> Iterator[bytes]:
        """Entries are whole requests, so a run of them concatenated is one request."""
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
        request, size = pb.ApplyProfileChangesRequest(), 0
        for change in pb.ApplyProfileChangesRequest.FromString(payload).changes:
            change_size = change.ByteSize() + 8
            if request.changes and size + change_size > self._max_bytes:
                yield request.SerializeToString()
                request, size = pb.ApplyProfileChangesRequest(), 0
            request.changes.append(change)
            size += change_size
        if request.changes:
            yield request.SerializeToString()


class PruningRelay(outbox_log.Relay):
    """The outbox relay to profile that also deletes the entries profile has acknowledged.

    Pruning is a write: it runs at most once per interval so it seldom competes with resolution
    for the write lock, and catches up on an idle pump.
    """

    def __init__(
        self,
        engine: Engine,
        entries: Table,
        cursors: Table,
        deliver: Callable[[Sequence[outbox_log.Pending]], None],
        max_items: int,
        prune_interval: float = 1.0,
    ) -> None:
        super().__init__(engine, entries, cursors, DESTINATION, deliver, max_items=max_items)
        self._prune_interval = prune_interval
        self._next_prune = 0.0
        self._unpruned = False

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            super().start()

    def pump_once(self) -> int:
        delivered = super().pump_once()
        self._unpruned = self._unpruned or bool(delivered)
        if self._unpruned and time.monotonic() >= self._next_prune:
            self.prune()
        return delivered

    def prune(self) -> None:
        with write_transaction(self._engine) as conn:
            last = conn.execute(
                select(self._cursors.c.last_seq).where(self._cursors.c.destination == DESTINATION)
            ).scalar()
            if last:
                conn.execute(delete(self._entries).where(self._entries.c.seq <= last))
        self._unpruned = False
        self._next_prune = time.monotonic() + self._prune_interval
