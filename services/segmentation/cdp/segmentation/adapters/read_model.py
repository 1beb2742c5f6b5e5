"""Applies the profile feed to the read model, set-based, in the caller's transaction.

Consecutive events and trait changes are written with one executemany each; merges and rebuilds
cut the batch (they move or replace what earlier updates wrote). Updates naming a fenced subject or
profile are dropped here, so nothing about a person being erased is written after the fence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace

from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cdp.pii.subjects import suppression_digest
from cdp.segmentation.adapters import orm
from cdp.segmentation.domain.typed import typed_columns
from cdp.segmentation.domain.updates import (
    Change,
    EventRecorded,
    MergeApplied,
    Rebuilt,
    Touched,
    TraitsChanged,
    TraitValue,
    Update,
)

FEED = "profile"


def insert_ignoring(conn: Connection, table: Table, keys: Sequence[str]):
    """INSERT that skips rows whose key exists (SQLite OR IGNORE / PostgreSQL ON CONFLICT)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))


def fence_digests(subject_ids: Iterable[str], profile_ids: Iterable[str]) -> list[bytes]:
    return [suppression_digest("subject", s) for s in subject_ids] + [
        suppression_digest("profile", p) for p in profile_ids
    ]


class ReadModel:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def last_sequence(self, stream: str = FEED) -> int:
        found = self._conn.execute(
            select(orm.progress.c.last_sequence).where(orm.progress.c.stream == stream)
        ).scalar()
        return found or 0

    def advance(self, sequence: int, stream: str = FEED) -> None:
        if self.last_sequence(stream) == 0:
            self._conn.execute(
                insert_ignoring(self._conn, orm.progress, ["stream"]),
                [{"stream": stream, "last_sequence": 0}],
            )
        self._conn.execute(
            update(orm.progress)
            .where(orm.progress.c.stream == stream)
            .values(last_sequence=sequence)
        )

    def apply(self, updates: Sequence[Update]) -> Touched:
        """Applies updates past the watermark, in order; returns what they touched."""
        last = self.last_sequence()
        fresh = [u for u in updates if u.sequence > last]
        touched = Touched()
        admitted = self._unfenced([u.change for u in fresh])
        run: list[Change] = []
        for change in admitted:
            if isinstance(change, (MergeApplied, Rebuilt)):
                self._write_run(run, touched)
                run = []
                if isinstance(change, MergeApplied):
                    self._merge(change, touched)
                else:
                    self._rebuild(change, touched)
            else:
                run.append(change)
        self._write_run(run, touched)
        if fresh:
            self.advance(max(u.sequence for u in fresh))
        return touched

    def needing_consent(self, updates: Sequence[Update], purposes: Sequence[str]) -> list[str]:
        """Profiles whose consent must be asked before applying these updates (read only).

        Those the updates give a new subject, merge into or rebuild, and those never asked about
        one of the purposes in use (consent was down, or the purpose is new).
        """
        last = self.last_sequence()
        changes = [u.change for u in updates if u.sequence > last]
        named = {c.profile_id for c in changes}
        reshaped = {c.profile_id for c in changes if isinstance(c, (MergeApplied, Rebuilt))}
        pairs = _pairs(changes)
        if pairs:
            s = orm.subjects
            known = set(
                self._conn.execute(
                    select(s.c.subject_id, s.c.profile_id).where(
                        s.c.profile_id.in_(sorted({p for _, p in pairs}))
                    )
                ).tuples()
            )
            reshaped |= {p for _, p in pairs - known}
        return sorted(reshaped | self._unasked(named - reshaped, purposes))

    def _unasked(self, profiles: set[str], purposes: Sequence[str]) -> set[str]:
        if not profiles or not purposes:
            return set()
        c = orm.consent
        rows = self._conn.execute(
            select(c.c.profile_id, func.count())
            .where(c.c.profile_id.in_(sorted(profiles)), c.c.purpose.in_(list(purposes)))
            .group_by(c.c.profile_id)
        )
        complete = {p for p, n in rows if n >= len(purposes)}
        return profiles - complete

    def profiles_of_subjects(self, subject_ids: Sequence[str]) -> list[str]:
        s = orm.subjects
        rows = self._conn.execute(
            select(s.c.profile_id).where(s.c.subject_id.in_(list(subject_ids))).distinct()
        )
        return sorted(r[0] for r in rows)

    def _unfenced(self, changes: list[Change]) -> list[Change]:
        """Drops what names a fenced profile, and a fenced subject's events and trait values."""
        if (
            not changes
            or not self._conn.execute(select(orm.suppressions.c.digest).limit(1)).first()
        ):
            return changes
        digests = _digests_named(changes)
        fenced = set(
            self._conn.execute(
                select(orm.suppressions.c.digest).where(orm.suppressions.c.digest.in_(digests))
            ).scalars()
        )
        if not fenced:
            return changes
        kept = (_screened(c, fenced) for c in changes)
        return [c for c in kept if c is not None]

    def _write_run(self, run: list[Change], touched: Touched) -> None:
        events = [c for c in run if isinstance(c, EventRecorded)]
        traits = [(c.profile_id, t) for c in run if isinstance(c, TraitsChanged) for t in c.traits]
        pairs = _pairs(run)
        profiles = {e.profile_id for e in events} | {p for p, _ in traits}
        if not profiles:
            return
        self._add_profiles(profiles)
        touched.reshaped |= self._add_subjects(pairs)
        self._add_events(events)
        self._set_traits(traits)
        for event in events:
            touched.add_event(event)
        touched.profiles |= profiles
        touched.trait_keys |= {t.key for _, t in traits}

    def _add_profiles(self, profile_ids: Iterable[str]) -> None:
        self._conn.execute(
            insert_ignoring(self._conn, orm.profiles, ["id"]),
            [{"id": p} for p in sorted(profile_ids)],
        )

    def _add_subjects(self, pairs: set[tuple[str, str]]) -> set[str]:
        """Adds (subject, profile) pairs; returns the profiles that gained a subject."""
        if not pairs:
            return set()
        s = orm.subjects
        profiles = sorted({p for _, p in pairs})
        known = set(
            self._conn.execute(
                select(s.c.subject_id, s.c.profile_id).where(s.c.profile_id.in_(profiles))
            ).tuples()
        )
        new = sorted(pairs - known)
        if new:
            self._conn.execute(insert(s), [{"subject_id": a, "profile_id": b} for a, b in new])
        return {b for _, b in new}

    def _add_events(self, events: Sequence[EventRecorded]) -> None:
        if events:
            self._conn.execute(
                insert_ignoring(self._conn, orm.events, ["message_id", "source"]),
                [_event_row(e) for e in events],
            )

    def _set_traits(self, traits: Sequence[tuple[str, TraitValue]]) -> None:
        latest = {(p, t.key): (p, t) for p, t in traits}  # the last value in the batch wins
        if not latest:
            return
        rows = [_trait_row(p, t) for p, t in latest.values()]
        t = orm.traits
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(t)
        columns = {c: statement.excluded[c] for c in rows[0] if c not in ("profile_id", "key")}
        self._conn.execute(
            statement.on_conflict_do_update(index_elements=["profile_id", "key"], set_=columns),
            rows,
        )

    def _merge(self, change: MergeApplied, touched: Touched) -> None:
        survivor, absorbed = (
            change.profile_id,
            [a for a in change.absorbed if a != change.profile_id],
        )
        if not absorbed:
            return
        self._add_profiles([survivor])
        conn = self._conn
        conn.execute(
            update(orm.events)
            .where(orm.events.c.profile_id.in_(absorbed))
            .values(profile_id=survivor)
        )
        self._fold(orm.traits, ["profile_id", "key"], survivor, absorbed)
        self._fold(orm.subjects, ["subject_id", "profile_id"], survivor, absorbed)
        self._fold(orm.blocked, ["profile_id"], survivor, absorbed)
        for table in (orm.consent, orm.computed_values):
            conn.execute(delete(table).where(table.c.profile_id.in_([*absorbed, survivor])))
        conn.execute(delete(orm.profiles).where(orm.profiles.c.id.in_(absorbed)))
        touched.absorbed |= set(absorbed)
        touched.reshaped.add(survivor)
        touched.profiles.add(survivor)

    def _fold(self, table: Table, keys: list[str], survivor: str, absorbed: list[str]) -> None:
        """Moves absorbed rows to the survivor where it has no row with the same key."""
        column = table.c.profile_id
        rows = self._conn.execute(select(table).where(column.in_(absorbed))).mappings().all()
        moved = [{**row, "profile_id": survivor} for row in rows]
        self._conn.execute(delete(table).where(column.in_(absorbed)))
        if moved:
            self._conn.execute(insert_ignoring(self._conn, table, keys), moved)

    def _rebuild(self, change: Rebuilt, touched: Touched) -> None:
        pid = change.profile_id
        for table in (orm.events, orm.traits, orm.subjects, orm.consent, orm.computed_values):
            self._conn.execute(delete(table).where(table.c.profile_id == pid))
        self._write_run([*change.events, TraitsChanged(pid, change.traits)], touched)
        self._add_profiles([pid])
        touched.reshaped.add(pid)
        touched.profiles.add(pid)
        touched.trait_keys |= {t.key for t in change.traits}
        touched.event_names |= {e.name for e in change.events}


def _pairs(changes: Iterable[Change]) -> set[tuple[str, str]]:
    """(subject, profile) pairs named by events and trait values."""
    pairs: set[tuple[str, str]] = set()
    for change in changes:
        if isinstance(change, EventRecorded):
            pairs.add((change.subject_id, change.profile_id))
        elif isinstance(change, TraitsChanged):
            pairs.update((t.subject_id, change.profile_id) for t in change.traits if t.subject_id)
    return pairs


def _screened(change: Change, fenced: set[bytes]) -> Change | None:
    def subject_ok(subject_id: str) -> bool:
        return fence_digests([subject_id], [])[0] not in fenced

    profiles = [change.profile_id, *getattr(change, "absorbed", ())]
    if fenced.intersection(fence_digests([], profiles)):
        return None
    if isinstance(change, EventRecorded):
        return change if subject_ok(change.subject_id) else None
    if isinstance(change, TraitsChanged):
        return replace(change, traits=tuple(t for t in change.traits if subject_ok(t.subject_id)))
    if isinstance(change, Rebuilt):
        return replace(
            change,
            traits=tuple(t for t in change.traits if subject_ok(t.subject_id)),
            events=tuple(e for e in change.events if subject_ok(e.subject_id)),
        )
    return change


def _digests_named(changes: Iterable[Change]) -> list[bytes]:
    subjects: set[str] = set()
    profiles: set[str] = set()
    for change in changes:
        profiles.add(change.profile_id)
        if isinstance(change, EventRecorded):
            subjects.add(change.subject_id)
        elif isinstance(change, MergeApplied):
            profiles.update(change.absorbed)
        elif isinstance(change, (TraitsChanged, Rebuilt)):
            subjects.update(t.subject_id for t in change.traits)
        if isinstance(change, Rebuilt):
            subjects.update(e.subject_id for e in change.events)
    return fence_digests(subjects, profiles)


def _event_row(event: EventRecorded) -> dict:
    return {
        "profile_id": event.profile_id,
        "subject_id": event.subject_id,
        "source": event.source,
        "message_id": event.message_id,
        "type": event.type,
        "name": event.name,
        "time": event.time,
        "properties": event.properties,
    }


def _trait_row(profile_id: str, trait: TraitValue) -> dict:
    value = None if trait.personal else trait.value
    typed = typed_columns(value) if value is not None else _empty_typed()
    return {
        "profile_id": profile_id,
        "key": trait.key,
        "personal": trait.personal,
        **typed,
        "value_json": None if value is None else json.dumps(value, separators=(",", ":")),
        "subject_id": trait.subject_id,
    }


def _empty_typed() -> dict:
    return {"str_value": None, "num_value": None, "bool_value": None, "ts_value": None}
