"""One write transaction's working set of the identity graph: what a batch names and what it changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cdp.identity.domain.model import (
    ID_TYPES,
    PREVIOUS_ID,
    Node,
    Profile,
    ProfileChange,
    ProfileSplit,
    Record,
    RecordKind,
    SealedIdentifier,
    new_profile_id,
)

ProfileLoader = Callable[[Collection[str]], dict[str, Profile]]


@dataclass(slots=True)
class Counters:
    """The last ids handed out; ids are never reused, even after rows are erased."""

    node: int = 0
    profile: int = 0
    record: int = 0


class WorkingGraph:
    """Nodes found by blind index, profiles loaded on demand, and every change made in memory.

    The caller holds the graph's write lock for the whole transaction, so ids can be allocated here
    and everything is written at the end with set-based statements.
    """

    def __init__(
        self, nodes: Iterable[Node], counters: Counters, load_profiles: ProfileLoader, now: datetime
    ) -> None:
        self.now = now
        self.counters = counters
        self._load_profiles = load_profiles
        self._nodes = {(node.type, node.blind_index): node for node in nodes}
        self._profiles: dict[str, Profile] = {}
        self.absorbed: dict[str, str] = {}
        self.new_nodes: list[Node] = []
        self.new_profiles: list[Profile] = []
        self.moved: list[Node] = []
        self.records: list[Record] = []
        self.changes: list[ProfileChange] = []

    def find(self, id_type: str, blind_index: bytes) -> list[Node]:
        """The nodes an identifier names; a previous_id names a user_id or an anonymous_id."""
        if id_type == PREVIOUS_ID:
            return [node for kind in ID_TYPES if (node := self._nodes.get((kind, blind_index)))]
        node = self._nodes.get((id_type, blind_index))
        return [node] if node is not None else []

    def current(self, profile_id: str) -> str:
        while profile_id in self.absorbed:
            profile_id = self.absorbed[profile_id]
        return profile_id

    def profile(self, profile_id: str) -> Profile:
        """The live profile (merges followed) with its identifier counts loaded."""
        profile_id = self.current(profile_id)
        profile = self._profiles.get(profile_id)
        if profile is None or profile.counts is None:
            self.ensure_profiles([profile_id])
            profile = self._profiles[profile_id]
        return profile

    def ensure_profiles(self, profile_ids: Iterable[str]) -> None:
        """Loads in one round trip the profiles (seq and counts) the batch will need."""
        missing = {pid for pid in profile_ids if pid not in self._profiles}
        if missing:
            self._profiles.update(self._load_profiles(missing))

    def create_profile(self) -> Profile:
        self.counters.profile += 1
        profile = Profile(new_profile_id(), self.counters.profile, Counter())
        self._profiles[profile.id] = profile
        self.new_profiles.append(profile)
        return profile

    def add_node(
        self, identifier: SealedIdentifier, node_type: str, profile_id: str | None, message_id: str
    ) -> Node:
        self.counters.node += 1
        sealed_as = identifier.type if identifier.type != node_type else None
        node = Node(
            self.counters.node,
            node_type,
            identifier.blind_index,
            identifier.sealed_value,
            identifier.subject_id,
            profile_id,
            self.now,
            message_id,
            blocked=profile_id is None,
            sealed_as=sealed_as,
        )
        self._nodes[(node_type, identifier.blind_index)] = node
        self.new_nodes.append(node)
        if profile_id is not None:
            self.profile(profile_id).counts[node_type] += 1
        return node

    def merge(self, survivor: Profile, absorbed: Profile) -> None:
        self.absorbed[absorbed.id] = survivor.id
        absorbed.merged_into = survivor.id
        survivor.counts.update(absorbed.counts)

    def split(self, profile_id: str, nodes: Sequence[Node], message_id: str) -> Profile:
        """Moves nodes to a new profile; the record and the change for profile go with it."""
        new = self.create_profile()
        for node in nodes:
            node.profile_id, node.linked_at, node.message_id = new.id, self.now, message_id
            new.counts[node.type] += 1
            self.moved.append(node)
        self.record(RecordKind.SPLIT, "split request", message_id, (profile_id,), new.id, nodes)
        self.changes.append(ProfileSplit(profile_id, new.id, tuple(n.blind_index for n in nodes)))
        return new

    def record(
        self,
        kind: RecordKind,
        rule: str,
        message_id: str,
        before: tuple[str, ...],
        after: str,
        nodes: Iterable[Node],
        reason: str = "",
        dedupe_key: str | None = None,
    ) -> None:
        node_ids = tuple(node.id for node in nodes)
        self.records.append(
            Record(kind, rule, message_id, self.now, before, after, node_ids, reason, dedupe_key)
        )
