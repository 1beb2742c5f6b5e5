"""The one place the profile service seals and opens personal data: timeline events and traits."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from cdp.pii import Aad, Vault
from cdp.pii.vault import SubjectErased, Unreadable
from cdp.profile.adapters import event_rows, public, timeline
from cdp.profile.adapters.orm import events, traits
from cdp.profile.adapters.profiles import chunks
from cdp.profile.domain.commands import ListProfileEvents
from cdp.profile.domain.feed import EventRecorded, PublicTrait
from cdp.profile.domain.model import (
    EventType,
    IncomingEvent,
    ProfileState,
    Provenance,
    TimelineEvent,
    TraitValue,
)
from cdp.profile.domain.paging import Cursor
from cdp.profile.domain.traits import TraitPlan, identify_traits
from cdp.profile.service_layer.ports import Screened

log = logging.getLogger("cdp.profile")


def event_aad(message_id: str, subject_id: str) -> Aad:
    """Where ingestion sealed an event's personal values (pipeline contract)."""
    return Aad("suite", "events", "pii/" + message_id, subject_id)


def trait_aad(key: str, subject_id: str) -> Aad:
    """Not bound to the profile id: a sealed trait row moves across merges and splits unchanged."""
    return Aad("profile", "traits", key, subject_id)


class Sealer:
    """Opens events' personal values and seals/opens traits under their subject's key."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def erased(self, subject_ids: Iterable[str]) -> set[str]:
        """Subjects whose key is destroyed; one key-service round trip warms the cache for the rest."""
        wanted = {subject for subject in subject_ids if subject}
        keys = self._vault.prefetch(wanted, create=False) if wanted else {}
        return {subject for subject, key in keys.items() if key.destroyed}

    def event_personal(self, message_id: str, subject_id: str, sealed: bytes) -> list[list[Any]]:
        if not sealed:
            return []
        return json.loads(self._vault.open(sealed, event_aad(message_id, subject_id)))

    def trait_columns(self, value: TraitValue) -> dict[str, Any]:
        encoded = json.dumps(value.value, ensure_ascii=False, separators=(",", ":"))
        if not value.personal:
            return {"value_json": encoded, "value_ct": None}
        sealed = self._vault.seal(encoded.encode(), trait_aad(value.key, value.subject_id))
        return {"value_json": None, "value_ct": sealed}

    def trait_value(self, row: Any) -> Any:
        if not row.personal:
            return json.loads(row.value_json)
        return json.loads(self._vault.open(row.value_ct, trait_aad(row.key, row.subject_id)))


class SqlAlchemyTraitRepository:
    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer

    def provenance(self, profile_ids: Iterable[str]) -> dict[str, dict[str, Provenance]]:
        found: dict[str, dict[str, Provenance]] = {}
        columns = (
            traits.c.profile_id,
            traits.c.key,
            traits.c.source,
            traits.c.message_id,
            traits.c.event_time,
            traits.c.receive_time,
        )
        for chunk in chunks(sorted(set(profile_ids))):
            for row in self._conn.execute(select(*columns).where(traits.c.profile_id.in_(chunk))):
                found.setdefault(row.profile_id, {})[row.key] = _provenance(row)
        return found

    def apply(self, plan: TraitPlan) -> None:
        replaced = [
            {"b_profile": m.target_profile, "b_key": m.key} for m in plan.moves if m.replaces
        ]
        if replaced:
            self._conn.execute(
                delete(traits).where(
                    traits.c.profile_id == bindparam("b_profile"),
                    traits.c.key == bindparam("b_key"),
                ),
                replaced,
            )
        if plan.moves:
            self._conn.execute(
                update(traits)
                .where(
                    traits.c.profile_id == bindparam("b_source"), traits.c.key == bindparam("b_key")
                )
                .values(profile_id=bindparam("b_target")),
                [
                    {"b_source": m.source_profile, "b_target": m.target_profile, "b_key": m.key}
                    for m in plan.moves
                ],
            )
        self._delete(plan.emptied_profiles)
        self._update([self._row(w.profile_id, w.value) for w in plan.writes if w.replaces])
        self._insert([self._row(w.profile_id, w.value) for w in plan.writes if not w.replaces])

    def replace(self, values: Mapping[str, Mapping[str, TraitValue]]) -> None:
        self._delete(list(values))
        self._insert(
            [self._row(p, value) for p, by_key in values.items() for value in by_key.values()]
        )

    def for_profiles(self, profile_ids: Iterable[str]) -> dict[str, list[TraitValue]]:
        rows = []
        for chunk in chunks(sorted(set(profile_ids))):
            query = select(traits).where(traits.c.profile_id.in_(chunk))
            rows.extend(self._conn.execute(query.order_by(traits.c.profile_id, traits.c.key)))
        erased = self._sealer.erased(row.subject_id for row in rows)
        found: dict[str, list[TraitValue]] = {}
        for row in rows:
            if row.subject_id in erased:
                continue  # every row of an erased subject, personal or not, is gone for readers
            value = self._opened(row)
            if value is not None:
                found.setdefault(row.profile_id, []).append(value)
        return found

    def public(self, profile_ids: Iterable[str]) -> dict[str, dict[str, PublicTrait]]:
        return public.public_traits(self._conn, profile_ids)

    def _opened(self, row: Any) -> TraitValue | None:
        try:
            value = self._sealer.trait_value(row)
        except SubjectErased:
            return None
        except Unreadable:
            log.warning("a stored trait does not open; it is left out")
            return None
        return TraitValue(row.key, value, row.personal, row.subject_id, _provenance(row))

    def _row(self, profile_id: str, value: TraitValue) -> dict[str, Any]:
        provenance = value.provenance
        return {
            "profile_id": profile_id,
            "key": value.key,
            "personal": value.personal,
            "subject_id": value.subject_id,
            "source": provenance.source,
            "message_id": provenance.message_id,
            "event_time": provenance.event_time,
            "receive_time": provenance.receive_time,
            **self._sealer.trait_columns(value),
        }

    def _delete(self, profile_ids: Sequence[str]) -> None:
        for chunk in chunks(profile_ids):
            self._conn.execute(delete(traits).where(traits.c.profile_id.in_(chunk)))

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._conn.execute(insert(traits), rows)

    def _update(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        keyed = [{f"b_{name}": value for name, value in row.items()} for row in rows]
        columns = [name for name in rows[0] if name not in ("profile_id", "key")]
        statement = (
            update(traits)
            .where(
                traits.c.profile_id == bindparam("b_profile_id"), traits.c.key == bindparam("b_key")
            )
            .values({name: bindparam(f"b_{name}") for name in columns})
        )
        self._conn.execute(statement, keyed)


class SqlAlchemyEventRepository:
    """The timeline: events stored as sealed at the edge; opened only to read traits or to list."""

    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer

    def screen(self, incoming: Sequence[IncomingEvent]) -> Screened:
        erased = self._sealer.erased(event.subject_id for event in incoming)
        screened = Screened()
        for event in incoming:
            if event.subject_id in erased:
                screened.erased += 1
                continue
            if event.type == EventType.IDENTIFY:
                values = self._traits_of(event, screened)
                if values is None:
                    continue
                screened.traits[event.key] = values
            screened.kept.append(event)
        return screened

    def _traits_of(self, event: IncomingEvent, screened: Screened) -> list[TraitValue] | None:
        try:
            personal = self._sealer.event_personal(
                event.message_id, event.subject_id, event.sealed_pii
            )
            return identify_traits(event, personal)
        except SubjectErased:
            screened.erased += 1
        except (Unreadable, ValueError, TypeError, KeyError, IndexError):
            screened.unreadable += 1
        return None

    def add(self, rows: Sequence[tuple[str, IncomingEvent]]) -> set[tuple[str, str]]:
        return event_rows.insert_new(self._conn, rows)

    def move(self, moves: Sequence[tuple[str, str]]) -> None:
        event_rows.move(self._conn, moves)

    def move_anchored(self, source: str, target: str, anchors: Sequence[bytes]) -> None:
        event_rows.move_anchored(self._conn, source, target, anchors)

    def summaries(self, profile_ids: Sequence[str]) -> dict[str, ProfileState]:
        return event_rows.summaries(self._conn, profile_ids)

    def identify_traits(self, profile_ids: Sequence[str]) -> list[tuple[str, TraitValue]]:
        query = select(events).where(
            events.c.profile_id.in_(profile_ids), events.c.type == EventType.IDENTIFY
        )
        rows = list(self._conn.execute(query))
        erased = self._sealer.erased(row.subject_id for row in rows)
        found: list[tuple[str, TraitValue]] = []
        scratch = Screened()
        for row in rows:
            if row.subject_id in erased:
                continue
            values = self._traits_of(stored_event(row), scratch)
            found.extend((row.profile_id, value) for value in values or ())
        return found

    def page(
        self, profile_id: str, query: ListProfileEvents, after: Cursor | None
    ) -> tuple[list[TimelineEvent], Cursor | None]:
        return timeline.page(self._conn, self._sealer, profile_id, query, after)

    def public(self, profile_ids: Sequence[str]) -> dict[str, list[EventRecorded]]:
        return public.public_events(self._conn, profile_ids)


def stored_event(row: Any) -> IncomingEvent:
    return IncomingEvent(
        row.message_id,
        row.source,
        EventType(row.type),
        row.event_name,
        row.event_time,
        row.receive_time,
        row.subject_id,
        row.anchor,
        row.public_json,
        row.pii_ct,
    )


def _provenance(row: Any) -> Provenance:
    return Provenance(row.source, row.message_id, row.event_time, row.receive_time)
