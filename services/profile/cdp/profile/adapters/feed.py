"""The feed to segmentation as outbox entries: each a serialized ApplyProfileUpdatesRequest.

Update sequences are `entry seq * SEQUENCE_STRIDE + index`: they strictly increase across the whole
outbox (entry seqs are never reused), and the relay can hand several entries to segmentation as one
request by concatenating their bytes (repeated fields append).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, update

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.db import outbox as outbox_log
from cdp.profile.adapters.orm import outbox
from cdp.profile.domain.commands import profile_name
from cdp.profile.domain.feed import (
    EventRecorded,
    FeedUpdate,
    MergeApplied,
    ProfileRebuilt,
    PublicTrait,
    TraitsChanged,
)
from cdp.profile.mapping import fill_value

SEQUENCE_STRIDE = 1_000_000
# A rebuilt profile carries its events up to about this size; the rest follow as event updates
# (same meaning, in order), so no single update outgrows a gRPC message.
REBUILT_BYTES = 1024 * 1024


class SqlAlchemyProfileFeed:
    """Queues updates during a unit of work; flush() appends them as one entry (before commit)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._queued: list[FeedUpdate] = []
        self.appended = False

    def publish(self, updates: Sequence[FeedUpdate]) -> None:
        self._queued.extend(updates)

    def flush(self) -> None:
        request = encode(self._queued)
        self._queued = []
        while len(request.updates) > SEQUENCE_STRIDE:  # more than an entry can number
            head = feed_pb.ApplyProfileUpdatesRequest(updates=request.updates[:SEQUENCE_STRIDE])
            self._append(head)
            del request.updates[:SEQUENCE_STRIDE]
        if request.updates:
            self._append(request)

    def forget(self, profile_ids: Collection[str], subject_ids: Collection[str]) -> int:
        person = _Person(frozenset(profile_name(p) for p in profile_ids), frozenset(subject_ids))
        return outbox_log.rewrite(self._conn, outbox, person.needles, person.scrubbed)

    def _append(self, request: feed_pb.ApplyProfileUpdatesRequest) -> None:
        # The sequences need the entry's own seq: insert, then fill in the payload.
        seq = outbox_log.append(self._conn, outbox, b"", len(request.updates))
        for index, item in enumerate(request.updates):
            item.sequence = seq * SEQUENCE_STRIDE + index
        self._conn.execute(
            update(outbox).where(outbox.c.seq == seq).values(payload=request.SerializeToString())
        )
        self.appended = True


class _Person:
    """An erased person's profile names and subject ids, as they sit in serialized updates."""

    def __init__(self, names: frozenset[str], subject_ids: frozenset[str]) -> None:
        self.names, self.subject_ids = names, subject_ids
        self.needles = [value.encode() for value in names | subject_ids]

    def scrubbed(self, payload: bytes) -> outbox_log.Rewritten:
        """The entry without the person (None when nothing else is left in it)."""
        kept = feed_pb.ApplyProfileUpdatesRequest()
        for item in feed_pb.ApplyProfileUpdatesRequest.FromString(payload).updates:
            clean = self.without(item)
            if clean is not None:
                kept.updates.append(clean)
        return (kept.SerializeToString(), len(kept.updates)) if kept.updates else None

    def without(self, item: feed_pb.ProfileUpdate) -> feed_pb.ProfileUpdate | None:
        """The update minus everything of the person; None when nothing is left of it."""
        kind = item.WhichOneof("kind")
        clean = feed_pb.ProfileUpdate(sequence=item.sequence)
        if kind == "event":
            return None if self._names_event(item.event) else item
        part = getattr(item, kind)
        if part.profile in self.names:
            return None
        target = getattr(clean, kind)
        target.profile = part.profile
        if kind == "merged":
            target.merged_profiles.extend(n for n in part.merged_profiles if n not in self.names)
            return clean if target.merged_profiles else None
        target.traits.extend(t for t in part.traits if t.subject_id not in self.subject_ids)
        if kind == "traits":
            return clean if target.traits else None
        target.events.extend(e for e in part.events if not self._names_event(e))
        return clean

    def _names_event(self, event: feed_pb.ProfileEventRecorded) -> bool:
        return event.profile in self.names or event.subject_id in self.subject_ids


def encode(updates: Sequence[FeedUpdate]) -> feed_pb.ApplyProfileUpdatesRequest:
    """The updates in order, without sequences (the outbox entry gives them)."""
    request = feed_pb.ApplyProfileUpdatesRequest()
    for item in updates:
        if isinstance(item, EventRecorded):
            _fill_event(request.updates.add().event, item)
        elif isinstance(item, TraitsChanged):
            changed = request.updates.add().traits
            changed.profile = profile_name(item.profile_id)
            for trait in item.traits:
                _fill_trait(changed.traits.add(), trait)
        elif isinstance(item, MergeApplied):
            merged = request.updates.add().merged
            merged.profile = profile_name(item.profile_id)
            merged.merged_profiles.extend(profile_name(p) for p in item.absorbed)
        else:
            _add_rebuilt(request, item)
    return request


def _add_rebuilt(request: feed_pb.ApplyProfileUpdatesRequest, item: ProfileRebuilt) -> None:
    rebuilt = request.updates.add().rebuilt
    rebuilt.profile = profile_name(item.profile_id)
    for trait in item.traits:
        _fill_trait(rebuilt.traits.add(), trait)
    size = rebuilt.ByteSize()
    for event in item.events:
        if size <= REBUILT_BYTES:
            message = rebuilt.events.add()
            _fill_event(message, event)
            size += message.ByteSize() + 8
        else:
            _fill_event(request.updates.add().event, event)


def _fill_event(target: feed_pb.ProfileEventRecorded, event: EventRecorded) -> None:
    target.profile = profile_name(event.profile_id)
    target.subject_id = event.subject_id
    target.source = event.source
    target.message_id = event.message_id
    target.type = int(event.type)
    target.event = event.event_name
    target.event_time.FromMicroseconds(event.event_time)
    target.properties.update(event.properties)


def _fill_trait(target: feed_pb.ProfileTraitValue, trait: PublicTrait) -> None:
    target.key = trait.key
    target.personal = trait.personal
    target.subject_id = trait.subject_id
    # A personal trait travels as present with a null value: its value never leaves the vault.
    fill_value(target.value, None if trait.personal else trait.value)
