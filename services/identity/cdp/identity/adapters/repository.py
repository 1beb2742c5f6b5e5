"""The identity graph's repository and its vault boundary: the only place identifiers are sealed or opened."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, Row

from cdp.identity.adapters import graph_sql as sql
from cdp.identity.adapters import pipeline, privacy_sql
from cdp.identity.adapters import read_sql as reads
from cdp.identity.adapters.blocklist import BlockedIndexes
from cdp.identity.adapters.orm import outbox
from cdp.identity.domain.commands import PlainIdentifier, PlainSet
from cdp.identity.domain.graph import WorkingGraph
from cdp.identity.domain.model import (
    ID_TYPES,
    PREVIOUS_ID,
    ExplainedRecord,
    Identity,
    Node,
    ProfileChange,
    Record,
    SealedIdentifier,
    Sighting,
)
from cdp.identity.domain.rules import Rules
from cdp.pii import Aad, BlindIndexer, Vault
from cdp.pii.vault import SubjectErased, Unreadable

log = logging.getLogger("cdp.identity")
_MAX_CACHED_VERDICTS = 100_000


def aad(field: str, subject_id: str) -> Aad:
    return Aad(service="identity", table="identifiers", field=field, subject_id=subject_id)


def lookup_types(id_type: str) -> tuple[str, ...]:
    return ID_TYPES if id_type == PREVIOUS_ID else (id_type,)


class IdentifierVault:
    """Blind-indexes, seals and opens identifiers; knows blocked values without opening anything."""

    def __init__(
        self,
        vault: Vault,
        indexer: BlindIndexer,
        rules: Rules,
        purge_keys: Callable[[Sequence[str]], None] = lambda _subject_ids: None,
    ) -> None:
        self._vault = vault
        self._indexer = indexer
        self._rules = rules
        self._purge_keys = purge_keys
        self._blocked = BlockedIndexes(indexer)
        self._verdicts: dict[bytes, bool] = {}

    def index(self, id_type: str, normalized: str) -> bytes:
        return self._indexer.index(id_type, normalized)

    def subject_id(self, blind_index: bytes) -> str:
        return self._indexer.subject_id(blind_index)

    def forget(self, subject_ids: Collection[str], blind_indexes: Collection[bytes]) -> None:
        """Drops what this process caches on a fenced person: data keys and blocked-value verdicts."""
        self._purge_keys(sorted(subject_ids))
        for blind_index in blind_indexes:
            self._verdicts.pop(blind_index, None)

    def erased(self, subject_ids: Iterable[str], create: bool = False) -> set[str]:
        """Subjects whose data key was destroyed (one key-service round trip for the whole batch)."""
        keys = self._vault.prefetch(subject_ids, create=create)
        return {subject_id for subject_id, key in keys.items() if key.destroyed}

    def mark_blocked(self, sightings: Sequence[Sighting]) -> list[Sighting]:
        return [self._mark(sighting) for sighting in sightings]

    def seal_sets(self, sets: Sequence[PlainSet]) -> list[tuple[Sighting | None, list[str]]]:
        """Each set sealed, or (None, erased types) when it names an erased subject."""
        indexed = [[(i, self._indexer.index(i.type, i.value)) for i in s.identifiers] for s in sets]
        subjects = {bi: self._indexer.subject_id(bi) for pairs in indexed for _, bi in pairs}
        erased = self.erased(subjects.values(), create=True)
        return [
            self._seal_set(s.message_id, pairs, subjects, erased)
            for s, pairs in zip(sets, indexed, strict=True)
        ]

    def seal_for(self, node: Node) -> bytes:
        """A previous_id stored as anonymous_id is re-sealed for the field it now lives in."""
        if node.sealed_as is None:
            return node.sealed_value
        plain = self._vault.open(node.sealed_value, aad(node.sealed_as, node.subject_id))
        return self._vault.seal(plain, aad(node.type, node.subject_id))

    def open_rows(self, rows: Sequence[Row]) -> dict[int, str]:
        """Values by node id; an erased or unreadable value is left out, never guessed."""
        self._vault.prefetch((row.subject_id for row in rows), create=False)
        values: dict[int, str] = {}
        for row in rows:
            try:
                values[row.id] = self._vault.open(
                    row.value_ct, aad(row.type, row.subject_id)
                ).decode()
            except (SubjectErased, Unreadable) as exc:
                log.info("identifier %d not opened: %s", row.id, type(exc).__name__)
        return values

    def _seal_set(
        self,
        message_id: str,
        pairs: list[tuple[PlainIdentifier, bytes]],
        subjects: dict[bytes, str],
        erased: set[str],
    ) -> tuple[Sighting | None, list[str]]:
        gone = [identifier.type for identifier, bi in pairs if subjects[bi] in erased]
        if gone:
            return None, gone
        sealed = tuple(
            SealedIdentifier(
                i.type,
                bi,
                self._vault.seal(i.value.encode(), aad(i.type, subjects[bi])),
                subjects[bi],
                self._rules.is_blocked_value(i.value),
            )
            for i, bi in pairs
        )
        return Sighting(message_id, sealed), []

    def _mark(self, sighting: Sighting) -> Sighting:
        flags = [self._is_blocked(identifier) for identifier in sighting.identifiers]
        if not any(flags):
            return sighting
        marked = tuple(
            dataclasses.replace(identifier, blocked=True) if flag else identifier
            for identifier, flag in zip(sighting.identifiers, flags, strict=True)
        )
        return dataclasses.replace(sighting, identifiers=marked)

    def _is_blocked(self, identifier: SealedIdentifier) -> bool:
        if self._blocked.contains(identifier.type, identifier.blind_index):
            return True
        if self._rules.blocked_pattern is None:
            return False
        verdict = self._verdicts.get(identifier.blind_index)
        if verdict is None:
            verdict = self._pattern_blocks(identifier)
            if len(self._verdicts) >= _MAX_CACHED_VERDICTS:
                self._verdicts.clear()
            self._verdicts[identifier.blind_index] = verdict
        return verdict

    def _pattern_blocks(self, identifier: SealedIdentifier) -> bool:
        try:
            plain = self._vault.open(
                identifier.sealed_value, aad(identifier.type, identifier.subject_id)
            )
        except (SubjectErased, Unreadable):
            return False
        return self._rules.is_blocked_value(plain.decode())


class SqlAlchemyGraphRepository:
    """Loads what a batch names, writes what it changed, and answers reads with values opened."""

    def __init__(self, conn: Connection, identifiers: IdentifierVault) -> None:
        self._conn = conn
        self._identifiers = identifiers
        self.appended = False

    def processed(self, keys: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        return sql.processed(self._conn, keys)

    def mark_processed(self, keys: Iterable[tuple[str, str]]) -> None:
        sql.insert_processed(self._conn, keys)

    def working_graph(self, blind_indexes: Collection[bytes], now: datetime) -> WorkingGraph:
        nodes = sql.load_nodes(self._conn, blind_indexes)
        loader = lambda ids: sql.load_profiles(self._conn, ids)  # noqa: E731 - bound to this transaction
        return WorkingGraph(nodes, sql.read_counters(self._conn), loader, now)

    def save(self, graph: WorkingGraph) -> list[int | None]:
        """Writes the graph's changes; returns each record's sequence (None when it was a repeat)."""
        final = graph.current
        sql.insert_profiles(
            self._conn,
            [
                {
                    "id": p.id,
                    "seq": p.seq,
                    "create_time": graph.now,
                    "merged_into": final(p.id) if final(p.id) != p.id else None,
                }
                for p in graph.new_profiles
            ],
        )
        sql.insert_nodes(self._conn, [self._node_row(node, final) for node in graph.new_nodes])
        sql.apply_merges(self._conn, {absorbed: final(absorbed) for absorbed in graph.absorbed})
        sql.apply_moves(self._conn, graph.moved)
        sequences = self._save_records(graph)
        sql.write_counters(self._conn, graph.counters)
        return sequences

    def append_changes(self, changes: Sequence[ProfileChange]) -> None:
        """One outbox entry for the whole call, in order (merges before the events they caused)."""
        if changes:
            pipeline.append(self._conn, outbox, changes)
            self.appended = True

    def suppressed(
        self, blind_indexes: Collection[bytes], subject_ids: Collection[str]
    ) -> tuple[set[bytes], set[str]]:
        return privacy_sql.suppressed(self._conn, blind_indexes, subject_ids)

    def restricted(self, profile_id: str) -> bool:
        return bool(privacy_sql.restricted_among(self._conn, {profile_id}))

    def profile_for(self, id_type: str, blind_index: bytes) -> str | None:
        row = reads.node_for(self._conn, lookup_types(id_type), blind_index)
        if row is None or row.blocked or row.profile_id is None:
            return None
        return self.live_profile(row.profile_id)

    def live_profile(self, profile_id: str) -> str | None:
        return reads.live_profile(self._conn, profile_id)

    def identities(self, profile_id: str) -> list[Identity]:
        rows = reads.sealed_nodes_of(self._conn, profile_id)
        values = self._identifiers.open_rows(rows)
        return [_identity(row, values[row.id]) for row in rows if row.id in values]

    def explain(self, profile_id: str) -> list[ExplainedRecord]:
        """A restricted person's identifiers are left out of other people's explanations."""
        touching = [profile_id, *reads.absorbed_by(self._conn, profile_id)]
        return self._explained(
            reads.records_touching(self._conn, touching), hide_restricted=profile_id
        )

    def explained_record(self, sequence: int) -> ExplainedRecord | None:
        record = reads.record_at(self._conn, sequence)
        return self._explained([(sequence, record)])[0] if record is not None else None

    def split_request(self, request_id: str) -> tuple[str, int] | None:
        return reads.split_request(self._conn, request_id)

    def remember_split(self, request_id: str, new_profile: str, sequence: int) -> None:
        reads.insert_split_request(self._conn, request_id, new_profile, sequence)

    def _node_row(self, node: Node, final) -> dict:
        return {
            "id": node.id,
            "type": node.type,
            "blind_index": node.blind_index,
            "value_ct": self._identifiers.seal_for(node),
            "subject_id": node.subject_id,
            "profile_id": final(node.profile_id) if node.profile_id else None,
            "blocked": node.blocked,
            "link_time": node.linked_at,
            "message_id": node.message_id,
        }

    def _save_records(self, graph: WorkingGraph) -> list[int | None]:
        keys = [r.dedupe_key for r in graph.records if r.dedupe_key]
        seen = sql.existing_dedupe_keys(self._conn, keys) if keys else set()
        sequences: list[int | None] = []
        numbered: list[tuple[int, Record]] = []
        for record in graph.records:
            if record.dedupe_key in seen:
                sequences.append(None)
                continue
            if record.dedupe_key:
                seen.add(record.dedupe_key)
            graph.counters.record += 1
            numbered.append((graph.counters.record, record))
            sequences.append(graph.counters.record)
        sql.insert_records(self._conn, numbered)
        return sequences

    def _explained(
        self, numbered: list[tuple[int, Record]], hide_restricted: str | None = None
    ) -> list[ExplainedRecord]:
        rows = reads.sealed_nodes_by_id(
            self._conn, {n for _, record in numbered for n in record.node_ids}
        )
        if hide_restricted is not None:
            others = {row.profile_id for row in rows} - {hide_restricted, None}
            hidden = privacy_sql.restricted_among(self._conn, others)
            rows = [row for row in rows if row.profile_id not in hidden]
        values = self._identifiers.open_rows(rows)
        by_id = {row.id: _identity(row, values[row.id]) for row in rows if row.id in values}
        return [
            ExplainedRecord(
                seq,
                r.kind,
                r.rule,
                r.message_id,
                r.time,
                r.before,
                r.after,
                tuple(by_id[n] for n in r.node_ids if n in by_id),
                r.reason,
            )
            for seq, r in numbered
        ]


def _identity(row: Row, value: str) -> Identity:
    return Identity(row.type, value, reads.utc(row.link_time), row.message_id)
