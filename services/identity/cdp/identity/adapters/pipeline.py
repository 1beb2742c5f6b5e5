"""The pipeline delivery adapter: identity's changes as ApplyProfileChangesRequest outbox entries.

Each entry is a complete serialized request whose change sequences are `entry seq * 100000 + index`,
so the relay can hand several entries to profile by concatenating them (repeated fields append).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence

from sqlalchemy import Connection, Table, delete, select, update

from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.db import outbox as outbox_log
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


class ProfileDelivery(outbox_log.ConcatenatingDelivery):
    """The relay's deliver(): pending entries, in order, in calls of at most max_bytes each."""

    def __init__(self, apply: Callable[[bytes], None], max_bytes: int = MAX_CALL_BYTES) -> None:
        super().__init__(apply, pb.ApplyProfileChangesRequest, "changes", max_bytes)
