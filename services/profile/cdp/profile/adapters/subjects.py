"""A data subject's rows, found by profile and by subject id on any profile: erased or exported.

Erasure is set-based (a DELETE per 500 ids, by the subject_id and profile indexes), so 10,000
events go in a handful of statements inside the caller's one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, select

from cdp.pii.vault import SubjectErased, Unreadable
from cdp.profile.adapters.computed import SqlAlchemyComputedTraitRepository
from cdp.profile.adapters.orm import computed_traits, events, profiles, traits
from cdp.profile.adapters.profiles import SqlAlchemyProfileRepository, chunks
from cdp.profile.adapters.repository import Sealer
from cdp.profile.domain.model import EventType, Provenance, TraitValue
from cdp.profile.domain.privacy import Erasure, ExportedEvent, SubjectData
from cdp.profile.domain.traits import restore

log = logging.getLogger("cdp.profile")


class SqlAlchemySubjectRepository:
    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer

    def profile_ids(self, named: Iterable[str]) -> list[str]:
        found: set[str] = set()
        frontier = set(named)
        while frontier:  # absorbed names forward to their survivor: follow them backwards
            found |= frontier
            frontier = self._values(profiles.c.id, profiles.c.merged_into, frontier) - found
        return sorted(found)

    def erase(self, profile_ids: Sequence[str], subject_ids: Collection[str]) -> Erasure:
        survivors = self._values(profiles.c.merged_into, profiles.c.id, profile_ids)
        holders = self._values(events.c.profile_id, events.c.subject_id, subject_ids)
        holders |= self._values(traits.c.profile_id, traits.c.subject_id, subject_ids)
        touched = (survivors | holders) - set(profile_ids) - {None}
        return Erasure(
            profiles=self._delete(profiles, profiles.c.id, profile_ids),
            traits=self._delete(traits, traits.c.profile_id, profile_ids)
            + self._delete(traits, traits.c.subject_id, subject_ids),
            events=self._delete(events, events.c.profile_id, profile_ids)
            + self._delete(events, events.c.subject_id, subject_ids),
            # Computed per profile: other profiles' values are recomputed by segmentation.
            computed_traits=self._delete(
                computed_traits, computed_traits.c.profile_id, profile_ids
            ),
            touched=tuple(sorted(touched)),
        )

    def export(self, profile_ids: Sequence[str], subject_ids: Collection[str]) -> SubjectData:
        wanted = set(profile_ids)
        states = SqlAlchemyProfileRepository(self._conn).load(wanted)
        trait_rows = self._rows(traits, profile_ids, subject_ids, lambda r: (r.profile_id, r.key))
        event_rows = self._rows(events, profile_ids, subject_ids, lambda r: r.id)
        event_rows.sort(key=lambda r: (r.event_time, r.id))
        erased = self._sealer.erased(r.subject_id for r in [*trait_rows, *event_rows])
        return SubjectData(
            profiles=[states[p] for p in sorted(wanted & states.keys())],
            traits=[
                (row.profile_id, value)
                for row in trait_rows
                if row.subject_id not in erased and (value := self._trait(row)) is not None
            ],
            events=[
                event
                for row in event_rows
                if row.subject_id not in erased and (event := self._event(row)) is not None
            ],
            computed_traits=SqlAlchemyComputedTraitRepository(self._conn).rows(wanted),
        )

    def _values(self, wanted: Column, by: Column, keys: Iterable[Any]) -> set[Any]:
        found: set[Any] = set()
        for chunk in chunks(sorted(set(keys))):
            query = select(wanted).where(by.in_(chunk)).distinct()
            found.update(self._conn.execute(query).scalars())
        return found

    def _delete(self, table: Table, column: Column, keys: Sequence[Any]) -> int:
        deleted = 0
        for chunk in chunks(sorted(set(keys))):
            deleted += self._conn.execute(delete(table).where(column.in_(chunk))).rowcount
        return deleted

    def _rows(
        self,
        table: Table,
        profile_ids: Sequence[str],
        subject_ids: Collection[str],
        key: Callable[[Any], Any],
    ) -> list[Any]:
        found: dict[Any, Any] = {}
        for column, values in (
            (table.c.profile_id, profile_ids),
            (table.c.subject_id, subject_ids),
        ):
            for chunk in chunks(sorted(set(values))):
                for row in self._conn.execute(select(table).where(column.in_(chunk))):
                    found.setdefault(key(row), row)
        return [found[k] for k in sorted(found)]

    def _trait(self, row: Any) -> TraitValue | None:
        try:
            value = self._sealer.trait_value(row)
        except SubjectErased:
            return None
        except Unreadable:
            log.warning("a stored trait does not open; it is left out of the export")
            return None
        provenance = Provenance(row.source, row.message_id, row.event_time, row.receive_time)
        return TraitValue(row.key, value, row.personal, row.subject_id, provenance)

    def _event(self, row: Any) -> ExportedEvent | None:
        try:
            personal = self._sealer.event_personal(row.message_id, row.subject_id, row.pii_ct)
            document = restore(json.loads(row.public_json), personal)
        except SubjectErased:
            return None
        except (Unreadable, ValueError, TypeError, KeyError, IndexError):
            log.warning("a stored event does not open; it is left out of the export")
            return None
        return ExportedEvent(
            row.profile_id,
            row.message_id,
            EventType(row.type),
            row.event_name,
            row.source,
            row.event_time,
            row.receive_time,
            document if isinstance(document, dict) else {},
        )
