"""Resolves identifiers seen together into one profile: link, create, merge, or refuse (merge protection).

Identifiers are considered in priority order and each is kept only if the profile it would produce
still respects every per-type limit; the rest are refused. So the highest-priority identifier always
decides the profile, and 50 user_ids on one device stay 50 people.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cdp.identity.domain.graph import WorkingGraph
from cdp.identity.domain.model import (
    PREVIOUS_ID,
    Node,
    Profile,
    ProfilesMerged,
    RecordKind,
    Refusal,
    RefusalReason,
    Resolution,
    SealedIdentifier,
    Sighting,
)
from cdp.identity.domain.rules import Rules

ANONYMOUS_ID = "anonymous_id"
BLOCKED_RULE = "blocked value"


@dataclass(frozen=True, slots=True)
class _Candidate:
    identifier: SealedIdentifier
    type: str  # the node type it is, or will be when created
    node: Node | None
    rank: int


class Resolver:
    def __init__(self, rules: Rules, graph: WorkingGraph) -> None:
        self._rules = rules
        self._graph = graph

    def prefetch(self, sightings: Iterable[Sighting]) -> None:
        """Loads at once the profiles that limits or merges will need (a returning visitor needs none)."""
        needed: set[str] = set()
        for sighting in sightings:
            profiles: set[str] = set()
            unknown = False
            for identifier in sighting.identifiers:
                if identifier.blocked:
                    continue
                nodes = self._graph.find(identifier.type, identifier.blind_index)
                unknown = unknown or not nodes
                profiles.update(node.profile_id for node in nodes if node.profile_id)
            if unknown or len(profiles) > 1:
                needed |= profiles
        self._graph.ensure_profiles(needed)

    def resolve(self, sighting: Sighting) -> Resolution:
        known = self._known_profile(sighting.identifiers)
        if known is not None:
            resolution = Resolution(known)
        else:
            kept, refused = self._protect(self._candidates(sighting.identifiers))
            resolution = self._apply(kept, sighting.message_id)
            self._refuse(refused, resolution, sighting.message_id)
        blocked = [i for i in sighting.identifiers if i.blocked]
        if blocked:
            self._block(blocked, resolution, sighting.message_id)
        return resolution

    def _known_profile(self, identifiers: Sequence[SealedIdentifier]) -> str | None:
        """The common case, kept cheap: every usable identifier known, all on one live profile."""
        found = None
        for identifier in identifiers:
            if identifier.blocked:
                continue
            nodes = self._graph.find(identifier.type, identifier.blind_index)
            if not nodes or any(node.blocked for node in nodes):
                return None
            for node in nodes:
                profile_id = self._graph.current(node.profile_id)
                if found not in (None, profile_id):
                    return None
                found = profile_id
        return found

    def _candidates(self, identifiers: Sequence[SealedIdentifier]) -> list[_Candidate]:
        found: dict[tuple[str, bytes], _Candidate] = {}
        for identifier in identifiers:
            if identifier.blocked:
                continue
            nodes = self._graph.find(identifier.type, identifier.blind_index)
            if not nodes:
                node_type = ANONYMOUS_ID if identifier.type == PREVIOUS_ID else identifier.type
                found.setdefault(
                    (node_type, identifier.blind_index),
                    _Candidate(identifier, node_type, None, self._rules.rank(node_type)),
                )
            for node in nodes:
                if not node.blocked:
                    found.setdefault(
                        (node.type, node.blind_index),
                        _Candidate(identifier, node.type, node, self._rules.rank(node.type)),
                    )
        return list(found.values())

    def _protect(
        self, candidates: list[_Candidate]
    ) -> tuple[list[_Candidate], list[tuple[_Candidate, str]]]:
        """Keeps candidates in priority order while the resulting profile stays within every limit."""
        ordered = sorted(candidates, key=lambda c: c.rank)
        if all(c.node is None for c in ordered) and len({c.type for c in ordered}) == len(ordered):
            return ordered, []  # a first sighting, one of each type: every limit is at least 1
        kept: list[_Candidate] = []
        refused: list[tuple[_Candidate, str]] = []
        for candidate in ordered:
            violated = self._violation([*kept, candidate])
            if violated is None:
                kept.append(candidate)
            else:
                refused.append((candidate, violated))
        return kept, refused

    def _violation(self, candidates: list[_Candidate]) -> str | None:
        counts: Counter[str] = Counter()
        allowed: dict[str, int] = {}
        for profile in self._profiles_of(candidates):
            counts.update(profile.counts)
            for id_type, count in profile.counts.items():
                allowed[id_type] = max(allowed.get(id_type, 0), count)
        counts.update(c.type for c in candidates if c.node is None)
        return self._rules.first_violation(counts, allowed)

    def _profiles_of(self, candidates: Iterable[_Candidate]) -> list[Profile]:
        profiles = {
            self._graph.current(c.node.profile_id) for c in candidates if c.node is not None
        }
        return sorted((self._graph.profile(pid) for pid in profiles), key=lambda p: p.seq)

    def _apply(self, kept: list[_Candidate], message_id: str) -> Resolution:
        graph = self._graph
        new = [c for c in kept if c.node is None]
        profiles = self._profiles_of(kept)
        if not profiles:
            if not new:
                return Resolution(None)
            profile = graph.create_profile()
            nodes = [graph.add_node(c.identifier, c.type, profile.id, message_id) for c in new]
            graph.record(RecordKind.CREATE, "new identifiers", message_id, (), profile.id, nodes)
            return Resolution(profile.id, created=True)
        survivor, absorbed = profiles[0], profiles[1:]
        anchor = next(c for c in kept if c.node is not None)
        if absorbed:
            self._merge(survivor, absorbed, kept, anchor, message_id)
        if new:
            nodes = [graph.add_node(c.identifier, c.type, survivor.id, message_id) for c in new]
            graph.record(
                RecordKind.LINK,
                f"seen together with {anchor.type}",
                message_id,
                (survivor.id,),
                survivor.id,
                nodes,
            )
        return Resolution(survivor.id, merged=[p.id for p in absorbed])

    def _merge(
        self,
        survivor: Profile,
        absorbed: list[Profile],
        kept: list[_Candidate],
        anchor: _Candidate,
        message_id: str,
    ) -> None:
        """The oldest profile survives; the rule names the strongest identifier the sighting shared."""
        for profile in absorbed:
            self._graph.merge(survivor, profile)
        absorbed_ids = tuple(p.id for p in absorbed)
        self._graph.record(
            RecordKind.MERGE,
            f"shared identifier {anchor.type}",
            message_id,
            (survivor.id, *absorbed_ids),
            survivor.id,
            [c.node for c in kept if c.node is not None],
        )
        self._graph.changes.append(ProfilesMerged(survivor.id, absorbed_ids))

    def _refuse(
        self, refused: list[tuple[_Candidate, str]], resolution: Resolution, message_id: str
    ) -> None:
        after = resolution.profile_id or ""
        for candidate, violated in refused:
            rule = self._rules.limit_rule(violated)
            resolution.refused.append(
                Refusal(candidate.identifier.type, RefusalReason.LIMIT_EXCEEDED, rule)
            )
            node = candidate.node
            before = (self._graph.current(node.profile_id),) if node is not None else ()
            key = _dedupe_key(rule, candidate.type, candidate.identifier.blind_index, before, after)
            self._graph.record(
                RecordKind.REFUSED,
                rule,
                message_id,
                before,
                after,
                [node] if node is not None else [],
                RefusalReason.LIMIT_EXCEEDED,
                key,
            )

    def _block(
        self, blocked: list[SealedIdentifier], resolution: Resolution, message_id: str
    ) -> None:
        """A blocked value never links; it is kept as a profile-less node so it is recorded once."""
        for identifier in blocked:
            resolution.refused.append(
                Refusal(identifier.type, RefusalReason.BLOCKED_VALUE, BLOCKED_RULE)
            )
            if self._graph.find(identifier.type, identifier.blind_index):
                continue
            node_type = ANONYMOUS_ID if identifier.type == PREVIOUS_ID else identifier.type
            node = self._graph.add_node(identifier, node_type, None, message_id)
            self._graph.record(
                RecordKind.REFUSED,
                BLOCKED_RULE,
                message_id,
                (),
                resolution.profile_id or "",
                [node],
                RefusalReason.BLOCKED_VALUE,
            )


def _dedupe_key(
    rule: str, node_type: str, blind_index: bytes, before: tuple[str, ...], after: str
) -> str:
    digest = hashlib.sha256("|".join([rule, node_type, blind_index.hex(), *before, after]).encode())
    return digest.hexdigest()[:32]
