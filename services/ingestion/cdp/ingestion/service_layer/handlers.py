"""Ingestion use cases: validate and seal outside the transaction, then dedup and log in one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cdp.errors import InvalidArgument, field_required, too_many
from cdp.ingestion.domain.documents import DocumentSplitter
from cdp.ingestion.domain.model import (
    MAX_BATCH,
    MAX_SOURCE,
    Batch,
    EventResult,
    PreparedEvent,
    SealedEvent,
    Status,
    Tally,
)
from cdp.ingestion.domain.suppression import SuppressionList
from cdp.ingestion.domain.validation import prepare_batch
from cdp.ingestion.service_layer.unit_of_work import AbstractUnitOfWork


class Sealer(Protocol):
    def seal(
        self, source: str, events: Sequence[PreparedEvent], receive_ns: int
    ) -> list[SealedEvent | None]: ...


@dataclass(frozen=True)
class Dependencies:
    splitter: DocumentSplitter
    sealer: Sealer
    # A factory, not an instance: the gRPC thread pool runs batches concurrently.
    new_uow: Callable[[], AbstractUnitOfWork]
    clock: Callable[[], int] = field(default=time.time_ns)
    # Shared with the sealer and the relay; caught up with the database in every storing transaction.
    suppression: SuppressionList = field(default_factory=SuppressionList)


def ingest_events(batch: Batch, deps: Dependencies) -> list[EventResult]:
    """One result per event, in order; accepted events are durable when this returns."""
    _check_batch(batch)
    receive_ns = deps.clock()
    prepared, rejected = prepare_batch(batch.events, batch.offset, receive_ns, deps.splitter)
    sealed = deps.sealer.seal(batch.source, prepared, receive_ns)
    kept = [event for event in sealed if event is not None]
    accepted, suppressed = _store(batch.source, kept, receive_ns, deps)
    results = {result.index: result for result in rejected}
    for event, sealed_event in zip(prepared, sealed, strict=True):
        results[event.index] = _outcome(event, sealed_event, accepted, suppressed)
    return [results[batch.offset + position] for position in range(len(batch.events))]


def import_events(batches: Iterable[Batch], deps: Dependencies) -> Tally:
    """A stream of batches, each handled like ingest_events; the first batch's source holds."""
    tally = Tally()
    source: str | None = None
    offset = 0
    for batch in batches:
        source = batch.source if source is None else source
        tally.add(ingest_events(Batch(source, batch.events, offset), deps))
        offset += len(batch.events)
    return tally


def _check_batch(batch: Batch) -> None:
    if len(batch.events) > MAX_BATCH:
        raise too_many("events", MAX_BATCH)
    if not batch.source:
        raise field_required("source")
    if len(batch.source) > MAX_SOURCE:
        raise InvalidArgument(
            "VALUE_TOO_LONG",
            f"source is longer than {MAX_SOURCE}",
            field="source",
            limit=MAX_SOURCE,
        )


def _outcome(
    event: PreparedEvent, sealed: SealedEvent | None, accepted: set[int], suppressed: set[int]
) -> EventResult:
    if sealed is None or id(sealed) in suppressed:
        return EventResult(
            event.index,
            event.message_id,
            Status.SUPPRESSED,
            "SUBJECT_ERASED",
            "",
            "the data subject asked to be erased",
        )
    status = Status.ACCEPTED if id(sealed) in accepted else Status.DUPLICATE
    return EventResult(event.index, event.message_id, status)


def _store(
    source: str, events: list[SealedEvent], receive_ns: int, deps: Dependencies
) -> tuple[set[int], set[int]]:
    """Checks suppression, claims the message ids and logs the new events in one transaction, so
    a concurrent fence either sees them (and erasure removes them) or refuses them.

    Returns the id()s of the accepted events and of the suppressed ones.
    """
    if not events:
        return set(), set()
    suppression = deps.suppression
    with deps.new_uow() as uow:
        suppression.extend(uow.subjects.suppressions_since(suppression.seq))
        blocked = {id(e) for e in events if suppression.blocks(e.subject_id, e.identifiers)}
        first: dict[str, SealedEvent] = {}
        for event in events:
            if id(event) not in blocked:
                first.setdefault(event.message_id, event)  # a repeat inside the batch: duplicate
        new = uow.events.claim(source, list(first), receive_ns) if first else set()
        accepted = [event for message_id, event in first.items() if message_id in new]
        if accepted:
            uow.events.append(accepted)
    return {id(event) for event in accepted}, blocked
