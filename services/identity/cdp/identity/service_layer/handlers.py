"""Identity's write use cases: resolve events, resolve identifier sets, split a profile."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cdp.identity.domain import commands
from cdp.identity.domain.errors import IdentifierNotFound, ProfileNotFound, SplitWouldEmptyProfile
from cdp.identity.domain.model import (
    EventResolved,
    ExplainedRecord,
    Refusal,
    RefusalReason,
    Resolution,
    SealedIdentifier,
    Sighting,
    profile_name,
)
from cdp.identity.domain.resolver import Resolver
from cdp.identity.domain.rules import Rules
from cdp.identity.service_layer.unit_of_work import AbstractUnitOfWork, GraphRepository

log = logging.getLogger("cdp.identity")
ERASED_RULE = "subject erased"


@dataclass(frozen=True)
class EventsResolved:
    resolved: int  # new events resolved and forwarded to profile
    duplicates: int  # already processed (re-delivery) or repeated within the batch
    erased: int  # dropped: an identifier's or the event's data key was destroyed
    unresolvable: int  # dropped: nothing but blocked values
    suppressed: int = 0  # dropped: an identifier or the subject of the event was fenced


def resolve_events(
    cmd: commands.ResolveEvents, uow: AbstractUnitOfWork, rules: Rules
) -> EventsResolved:
    """Idempotent per (source, message_id); one transaction and one outbox entry for the batch.

    Suppression is checked inside the transaction that would link the event: a fence (which takes
    the same lock) either committed before, and the event is dropped, or commits after, and the
    erasure that follows it removes what this batch linked.
    """
    erased_subjects = uow.identifiers.erased({s for e in cmd.sightings for s in _subjects(e)})
    with uow.write() as repo:
        done = repo.processed({(e.source, e.message_id) for e in cmd.sightings})
        fresh = _first_sightings(cmd.sightings, done)
        marked = uow.identifiers.mark_blocked(
            [e for e in fresh if erased_subjects.isdisjoint(_subjects(e))]
        )
        live, fenced = _split_fenced(repo, marked)
        graph = repo.working_graph({i.blind_index for e in live for i in e.identifiers}, _now())
        resolver = Resolver(rules, graph)
        resolver.prefetch(live)
        for sighting in live:
            resolution = resolver.resolve(sighting)
            if resolution.profile_id is not None:
                graph.changes.append(EventResolved(resolution.profile_id, sighting.payload))
        repo.save(graph)
        # A fenced event leaves no trace, not even its message id: nothing of it was stored.
        repo.mark_processed(
            key for key in ((e.source, e.message_id) for e in fresh) if key not in fenced
        )
        repo.append_changes(graph.changes)
    resolved = sum(isinstance(change, EventResolved) for change in graph.changes)
    result = EventsResolved(
        resolved,
        len(cmd.sightings) - len(fresh),
        len(fresh) - len(marked),
        len(live) - resolved,
        len(fenced),
    )
    _log_drops(result)
    return result


def _log_drops(result: EventsResolved) -> None:
    if result.erased or result.unresolvable or result.suppressed:
        log.info(
            "dropped %d events of erased subjects, %d of suppressed subjects and %d with only"
            " blocked identifiers",
            result.erased,
            result.suppressed,
            result.unresolvable,
        )


def resolve_identities(
    cmd: commands.ResolveIdentities, uow: AbstractUnitOfWork, rules: Rules
) -> list[Resolution]:
    """Same rules as events; only merges reach profile (these sets carry no events)."""
    sealed = uow.identifiers.seal_sets(cmd.sets)
    with uow.write() as repo:
        sealed = _refuse_fenced(repo, sealed)
        sightings = [sighting for sighting, _ in sealed if sighting is not None]
        graph = repo.working_graph(
            {i.blind_index for s in sightings for i in s.identifiers}, _now()
        )
        resolver = Resolver(rules, graph)
        resolver.prefetch(sightings)
        resolutions = [
            resolver.resolve(s) if s is not None else _erased(types) for s, types in sealed
        ]
        repo.save(graph)
        repo.append_changes(graph.changes)
    return resolutions


@dataclass(frozen=True)
class SplitDone:
    new_profile_id: str
    record: ExplainedRecord


def split_profile(cmd: commands.SplitProfile, uow: AbstractUnitOfWork) -> SplitDone:
    """Moves identifiers to a new profile; a repeated request_id returns the first answer."""
    keys = [(i.type, uow.identifiers.index(i.type, i.value)) for i in cmd.identifiers]
    with uow.write() as repo:
        if cmd.request_id and (earlier := repo.split_request(cmd.request_id)) is not None:
            return SplitDone(earlier[0], repo.explained_record(earlier[1]))
        profile_id = repo.live_profile(cmd.profile_id)
        if profile_id is None:
            raise ProfileNotFound(profile_name(cmd.profile_id))
        graph = repo.working_graph({bi for _, bi in keys}, _now())
        nodes = []
        for index, (id_type, blind_index) in enumerate(keys):
            found = [n for n in graph.find(id_type, blind_index) if n.profile_id == profile_id]
            if not found:
                raise IdentifierNotFound(id_type, field=f"identifiers[{index}]")
            nodes.extend(n for n in found if n not in nodes)
        if len(nodes) >= sum(graph.profile(profile_id).counts.values()):
            raise SplitWouldEmptyProfile()
        new = graph.split(profile_id, nodes, cmd.request_id)
        sequence = repo.save(graph)[0]
        repo.append_changes(graph.changes)
        if cmd.request_id:
            repo.remember_split(cmd.request_id, new.id, sequence)
        return SplitDone(new.id, repo.explained_record(sequence))


def _subjects(sighting: Sighting) -> list[str]:
    subjects = [i.subject_id for i in sighting.identifiers]
    return [sighting.subject_id, *subjects] if sighting.subject_id else subjects


def _split_fenced(
    repo: GraphRepository, sightings: list[Sighting]
) -> tuple[list[Sighting], set[tuple[str, str]]]:
    """Events naming a suppressed person (by a usable identifier or as subject), apart."""
    hits = _suppressed_hits(repo, sightings)
    if not hits:
        return sightings, set()
    live, fenced = [], set()
    for sighting in sightings:
        if hits.isdisjoint(_names(sighting)):
            live.append(sighting)
        else:
            fenced.add((sighting.source, sighting.message_id))
    return live, fenced


def _refuse_fenced(
    repo: GraphRepository, sealed: list[tuple[Sighting | None, list[str]]]
) -> list[tuple[Sighting | None, list[str]]]:
    """A set naming a suppressed person is refused whole, as if their key were gone."""
    hits = _suppressed_hits(repo, [s for s, _ in sealed if s is not None])
    if not hits:
        return sealed
    refused = []
    for sighting, gone in sealed:
        if sighting is not None and not hits.isdisjoint(_names(sighting)):
            types = [i.type for i in sighting.identifiers if not hits.isdisjoint(_names_of(i))]
            refused.append((None, types or [i.type for i in sighting.identifiers]))
        else:
            refused.append((sighting, gone))
    return refused


def _suppressed_hits(repo: GraphRepository, sightings: Sequence[Sighting]) -> set[bytes | str]:
    names = {name for sighting in sightings for name in _names(sighting)}
    if not names:
        return set()
    indexes, subjects = repo.suppressed(
        {n for n in names if isinstance(n, bytes)}, {n for n in names if isinstance(n, str)}
    )
    return {*indexes, *subjects}


def _names(sighting: Sighting) -> list[bytes | str]:
    """What names the people of an event; blocked values never name anyone."""
    names = [name for i in sighting.identifiers if not i.blocked for name in _names_of(i)]
    return [sighting.subject_id, *names] if sighting.subject_id else names


def _names_of(identifier: SealedIdentifier) -> tuple[bytes, str]:
    return identifier.blind_index, identifier.subject_id


def _first_sightings(sightings: Sequence[Sighting], done: set[tuple[str, str]]) -> list[Sighting]:
    seen = set(done)
    fresh = []
    for sighting in sightings:
        key = (sighting.source, sighting.message_id)
        if key not in seen:
            seen.add(key)
            fresh.append(sighting)
    return fresh


def _erased(types: list[str]) -> Resolution:
    return Resolution(
        None, refused=[Refusal(t, RefusalReason.SUBJECT_ERASED, ERASED_RULE) for t in types]
    )


def _now() -> datetime:
    return datetime.now(UTC)
