"""The fence (suppression digests) and restrictions of processing in SQL (no personal data here)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from sqlalchemy import Connection, delete, insert, select

from cdp.pii.subjects import Subject, suppression_digest
from cdp.profile.adapters.orm import events, restrictions, suppressions
from cdp.profile.adapters.profiles import chunks
from cdp.profile.domain.model import ProfileState
from cdp.profile.domain.privacy import Suppression

SUBJECT, BLIND_INDEX, PROFILE = "subject", "blind_index", "profile"


def _entries(subject: Subject) -> Iterator[tuple[str, str]]:
    """(kind, value) of every value the subject names; blind indexes as hex."""
    yield from ((SUBJECT, s) for s in subject.subject_ids)
    yield from ((BLIND_INDEX, b.hex()) for b in subject.blind_indexes)
    yield from ((PROFILE, p) for p in subject.profile_ids)


class SqlAlchemySuppressionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, subject: Subject) -> int:
        wanted = {suppression_digest(kind, value) for kind, value in _entries(subject)}
        new = sorted(wanted - self._stored(wanted))
        if new:
            self._conn.execute(insert(suppressions), [{"digest": d} for d in new])
        return len(new)

    def matching(self, named: Subject) -> Suppression:
        if self._conn.execute(select(suppressions.c.digest).limit(1)).first() is None:
            return Suppression()  # nobody was ever fenced: the pipeline's usual case
        by_digest = {
            suppression_digest(kind, value): (kind, value) for kind, value in _entries(named)
        }
        found = [by_digest[d] for d in self._stored(by_digest)]
        blind = {bytes.fromhex(value) for kind, value in found if kind == BLIND_INDEX}
        return Suppression(
            frozenset(value for kind, value in found if kind == SUBJECT),
            frozenset(blind),
            frozenset(value for kind, value in found if kind == PROFILE),
        )

    def _stored(self, digests: Iterable[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for chunk in chunks(sorted(digests)):
            query = select(suppressions.c.digest).where(suppressions.c.digest.in_(chunk))
            found.update(self._conn.execute(query).scalars())
        return found


class SqlAlchemyRestrictionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def set(self, subject: Subject, restricted: bool) -> int:
        entries = set(_entries(subject))
        stored = self._stored(entries)
        if restricted:
            rows = [{"kind": kind, "value": value} for kind, value in sorted(entries - stored)]
            if rows:
                self._conn.execute(insert(restrictions), rows)
            return len(rows)
        self._delete(stored)
        return len(stored)

    def forget(self, subject: Subject, profile_ids: Iterable[str]) -> None:
        entries = set(_entries(subject)) | {(PROFILE, p) for p in profile_ids}
        self._delete(self._stored(entries))

    def blocking(self, requested: Sequence[str], states: Mapping[str, ProfileState]) -> str | None:
        if self._conn.execute(select(restrictions.c.kind).limit(1)).first() is None:
            return None  # nothing is restricted: reads cost one tiny query more
        names = {r: {r, states[r].id, *states[r].merged_profiles} for r in requested}
        candidates = {(PROFILE, name) for group in names.values() for name in group}
        restricted = {value for _kind, value in self._stored(candidates)}
        holding = self._holding_restricted_subjects({state.id for state in states.values()})
        return next(
            (r for r in requested if names[r] & restricted or states[r].id in holding), None
        )

    def _holding_restricted_subjects(self, profile_ids: set[str]) -> set[str]:
        """Profiles holding any row of a restricted subject (e.g. events left there by a split).

        One query per profile, each a seek on (subject_id, profile_id): an IN list of profiles
        lets SQLite's planner scan the whole timeline of each profile instead.
        """
        subjects = select(restrictions.c.value).where(restrictions.c.kind == SUBJECT)
        found: set[str] = set()
        for profile_id in sorted(profile_ids):
            query = select(events.c.id).where(
                events.c.subject_id.in_(subjects), events.c.profile_id == profile_id
            )
            if self._conn.execute(query.limit(1)).first() is not None:
                found.add(profile_id)
        return found

    def _stored(self, entries: set[tuple[str, str]]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for kind, chunk in _by_kind(entries):
            query = select(restrictions.c.value).where(
                restrictions.c.kind == kind, restrictions.c.value.in_(chunk)
            )
            found.update((kind, value) for value in self._conn.execute(query).scalars())
        return found

    def _delete(self, entries: set[tuple[str, str]]) -> None:
        for kind, chunk in _by_kind(entries):
            self._conn.execute(
                delete(restrictions).where(
                    restrictions.c.kind == kind, restrictions.c.value.in_(chunk)
                )
            )


def _by_kind(entries: set[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    for kind in sorted({kind for kind, _value in entries}):
        for chunk in chunks(sorted(value for k, value in entries if k == kind)):
            yield kind, chunk
