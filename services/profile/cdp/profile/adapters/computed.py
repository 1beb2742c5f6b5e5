"""Segmentation's computed trait values in SQL: newest compute_time wins, merges keep the newest."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from cdp.profile.adapters.orm import computed_traits
from cdp.profile.adapters.profiles import chunks
from cdp.profile.domain.commands import ComputedTraitChange
from cdp.profile.domain.model import ComputedTrait

Slot = tuple[str, str]  # (profile id, key)


class SqlAlchemyComputedTraitRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def apply(self, changes: Sequence[ComputedTraitChange]) -> int:
        stored = {
            (profile_id, trait.key): trait.compute_time
            for profile_id, trait in self.rows({c.profile_id for c in changes})
        }
        removed = [(c.profile_id, c.key) for c in changes if c.trait is None]
        removed = [slot for slot in removed if slot in stored]
        written = [
            (c.profile_id, c.trait)
            for c in changes
            if c.trait is not None and _newer(c.trait, stored.get((c.profile_id, c.key)))
        ]
        self._delete_slots(removed)
        self._update([(p, trait) for p, trait in written if (p, trait.key) in stored])
        self._insert([(p, trait) for p, trait in written if (p, trait.key) not in stored])
        return len(removed) + len(written)

    def move(self, absorbed: Sequence[tuple[str, str]]) -> None:
        if not absorbed:
            return
        target_of = dict(absorbed)
        profiles = set(target_of) | set(target_of.values())
        best: dict[Slot, ComputedTrait] = {}
        for profile_id, trait in self.rows(profiles):
            slot = (target_of.get(profile_id, profile_id), trait.key)
            current = best.get(slot)
            if current is None or trait.compute_time > current.compute_time:
                best[slot] = trait
        for chunk in chunks(sorted(profiles)):
            self._conn.execute(
                delete(computed_traits).where(computed_traits.c.profile_id.in_(chunk))
            )
        self._insert([(profile_id, trait) for (profile_id, _key), trait in best.items()])

    def for_profiles(self, profile_ids: Iterable[str]) -> dict[str, list[ComputedTrait]]:
        found: dict[str, list[ComputedTrait]] = {}
        for profile_id, trait in self.rows(profile_ids):
            found.setdefault(profile_id, []).append(trait)
        return found

    def rows(self, profile_ids: Iterable[str]) -> list[tuple[str, ComputedTrait]]:
        rows = []
        for chunk in chunks(sorted(set(profile_ids))):
            query = (
                select(computed_traits)
                .where(computed_traits.c.profile_id.in_(chunk))
                .order_by(computed_traits.c.profile_id, computed_traits.c.key)
            )
            rows += [(row.profile_id, computed(row)) for row in self._conn.execute(query)]
        return rows

    def _delete_slots(self, slots: list[Slot]) -> None:
        if slots:
            self._conn.execute(
                delete(computed_traits).where(
                    computed_traits.c.profile_id == bindparam("b_profile"),
                    computed_traits.c.key == bindparam("b_key"),
                ),
                [{"b_profile": profile_id, "b_key": key} for profile_id, key in slots],
            )

    def _update(self, rows: list[tuple[str, ComputedTrait]]) -> None:
        if rows:
            self._conn.execute(
                update(computed_traits)
                .where(
                    computed_traits.c.profile_id == bindparam("b_profile_id"),
                    computed_traits.c.key == bindparam("b_key"),
                )
                .values(
                    value_json=bindparam("b_value_json"), compute_time=bindparam("b_compute_time")
                ),
                [
                    {f"b_{name}": value for name, value in _row(profile_id, trait).items()}
                    for profile_id, trait in rows
                ],
            )

    def _insert(self, rows: list[tuple[str, ComputedTrait]]) -> None:
        if rows:
            self._conn.execute(insert(computed_traits), [_row(p, trait) for p, trait in rows])


def computed(row: Any) -> ComputedTrait:
    return ComputedTrait(row.key, json.loads(row.value_json), row.compute_time)


def _newer(trait: ComputedTrait, stored_time: int | None) -> bool:
    """Newest compute_time wins; an equal one is a redelivery or a recomputation: it replaces."""
    return stored_time is None or trait.compute_time >= stored_time


def _row(profile_id: str, trait: ComputedTrait) -> dict[str, Any]:
    return {
        "profile_id": profile_id,
        "key": trait.key,
        "value_json": json.dumps(trait.value, ensure_ascii=False, separators=(",", ":")),
        "compute_time": trait.compute_time,
    }
