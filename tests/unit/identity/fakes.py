"""An in-memory unit of work for identity's use cases (the real IdentifierVault, no database)."""

from __future__ import annotations

import contextlib
import copy
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import SimpleNamespace

from cdp.identity.adapters.repository import IdentifierVault, lookup_types
from cdp.identity.domain.graph import Counters, WorkingGraph
from cdp.identity.domain.model import (
    ExplainedRecord,
    Identity,
    Node,
    Profile,
    ProfileChange,
    Record,
)


@dataclass
class FakeStore:
    nodes: dict[int, Node] = field(default_factory=dict)
    profiles: dict[str, list] = field(default_factory=dict)  # id -> [seq, merged_into]
    records: dict[int, Record] = field(default_factory=dict)
    processed: set[tuple[str, str]] = field(default_factory=set)
    outbox: list[list[ProfileChange]] = field(default_factory=list)
    splits: dict[str, tuple[str, int]] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)
    suppressed: set[bytes | str] = field(default_factory=set)  # blind indexes and subject ids
    restricted: set[str] = field(default_factory=set)  # live profile ids

    def live(self) -> set[str]:
        return {pid for pid, (_, merged) in self.profiles.items() if merged is None}

    def profile_of(self, id_type: str, blind_index: bytes) -> str | None:
        for node in self.nodes.values():
            if node.type == id_type and node.blind_index == blind_index:
                return node.profile_id
        return None


class FakeGraphRepository:
    def __init__(self, store: FakeStore, identifiers: IdentifierVault) -> None:
        self._store = store
        self._identifiers = identifiers
        self.appended = False

    def processed(self, keys: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        return set(keys) & self._store.processed

    def mark_processed(self, keys: Iterable[tuple[str, str]]) -> None:
        self._store.processed.update(keys)

    def working_graph(self, blind_indexes: Collection[bytes], now: datetime) -> WorkingGraph:
        nodes = [
            replace(n) for n in self._store.nodes.values() if n.blind_index in set(blind_indexes)
        ]
        return WorkingGraph(nodes, copy.copy(self._store.counters), self._load, now)

    def save(self, graph: WorkingGraph) -> list[int | None]:
        store, final = self._store, graph.current
        for p in graph.new_profiles:
            store.profiles[p.id] = [p.seq, final(p.id) if final(p.id) != p.id else None]
        for node in graph.new_nodes:
            profile_id = final(node.profile_id) if node.profile_id else None
            sealed = self._identifiers.seal_for(node)
            store.nodes[node.id] = replace(
                node, profile_id=profile_id, sealed_value=sealed, sealed_as=None
            )
        for absorbed in graph.absorbed:
            self._merge(absorbed, final(absorbed))
        for node in graph.moved:
            store.nodes[node.id] = replace(
                store.nodes[node.id],
                profile_id=node.profile_id,
                linked_at=node.linked_at,
                message_id=node.message_id,
            )
        sequences = self._save_records(graph)
        store.counters = graph.counters
        return sequences

    def append_changes(self, changes: Sequence[ProfileChange]) -> None:
        if changes:
            self._store.outbox.append(list(changes))
            self.appended = True

    def suppressed(
        self, blind_indexes: Collection[bytes], subject_ids: Collection[str]
    ) -> tuple[set[bytes], set[str]]:
        return set(blind_indexes) & self._store.suppressed, set(
            subject_ids
        ) & self._store.suppressed

    def restricted(self, profile_id: str) -> bool:
        return profile_id in self._store.restricted

    def profile_for(self, id_type: str, blind_index: bytes) -> str | None:
        for kind in lookup_types(id_type):
            profile_id = self._store.profile_of(kind, blind_index)
            if profile_id is not None:
                return self.live_profile(profile_id)
        return None

    def live_profile(self, profile_id: str) -> str | None:
        entry = self._store.profiles.get(profile_id)
        return None if entry is None else entry[1] or profile_id

    def identities(self, profile_id: str) -> list[Identity]:
        nodes = sorted(
            (n for n in self._store.nodes.values() if n.profile_id == profile_id),
            key=lambda n: (n.linked_at, n.id),
        )
        return self._open(nodes)

    def explain(self, profile_id: str) -> list[ExplainedRecord]:
        touching = {profile_id} | {
            p for p, (_, m) in self._store.profiles.items() if m == profile_id
        }
        return [
            self.explained_record(seq)
            for seq, r in sorted(self._store.records.items())
            if touching & {*r.before, r.after}
        ]

    def explained_record(self, sequence: int) -> ExplainedRecord | None:
        r = self._store.records[sequence]
        identities = self._open(
            [self._store.nodes[n] for n in r.node_ids if n in self._store.nodes]
        )
        return ExplainedRecord(
            sequence,
            r.kind,
            r.rule,
            r.message_id,
            r.time,
            r.before,
            r.after,
            tuple(identities),
            r.reason,
        )

    def split_request(self, request_id: str) -> tuple[str, int] | None:
        return self._store.splits.get(request_id)

    def remember_split(self, request_id: str, new_profile: str, sequence: int) -> None:
        self._store.splits[request_id] = (new_profile, sequence)

    def _load(self, profile_ids: Collection[str]) -> dict[str, Profile]:
        found = {}
        for pid in profile_ids:
            seq, merged = self._store.profiles[pid]
            counts = Counter(n.type for n in self._store.nodes.values() if n.profile_id == pid)
            found[pid] = Profile(pid, seq, counts, merged)
        return found

    def _merge(self, absorbed: str, survivor: str) -> None:
        for node in self._store.nodes.values():
            if node.profile_id == absorbed:
                node.profile_id = survivor
        for entry_id, entry in self._store.profiles.items():
            if entry_id == absorbed or entry[1] == absorbed:
                entry[1] = survivor

    def _save_records(self, graph: WorkingGraph) -> list[int | None]:
        seen = {r.dedupe_key for r in self._store.records.values() if r.dedupe_key}
        sequences: list[int | None] = []
        for record in graph.records:
            if record.dedupe_key and record.dedupe_key in seen:
                sequences.append(None)
                continue
            seen.add(record.dedupe_key)
            graph.counters.record += 1
            self._store.records[graph.counters.record] = record
            sequences.append(graph.counters.record)
        return sequences

    def _open(self, nodes: Sequence[Node]) -> list[Identity]:
        rows = [
            SimpleNamespace(id=n.id, type=n.type, subject_id=n.subject_id, value_ct=n.sealed_value)
            for n in nodes
        ]
        values = self._identifiers.open_rows(rows)
        return [
            Identity(n.type, values[n.id], n.linked_at, n.message_id)
            for n in nodes
            if n.id in values
        ]


class FakeUnitOfWork:
    def __init__(self, identifiers: IdentifierVault, store: FakeStore | None = None) -> None:
        self.identifiers = identifiers
        self.store = store or FakeStore()

    @contextlib.contextmanager
    def write(self) -> Iterator[FakeGraphRepository]:
        # All-or-nothing like a transaction: work on a copy, keep it only if the block succeeds.
        snapshot = copy.deepcopy(self.store)
        repository = FakeGraphRepository(snapshot, self.identifiers)
        yield repository
        self.store.__dict__.update(snapshot.__dict__)

    @contextlib.contextmanager
    def read(self) -> Iterator[FakeGraphRepository]:
        yield FakeGraphRepository(self.store, self.identifiers)
