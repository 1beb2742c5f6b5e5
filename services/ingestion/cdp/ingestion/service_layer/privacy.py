"""Ingestion's share of data-subject requests: fence, erase, export, restrict (one transaction each)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cdp.ingestion.domain.model import SealedEvent
from cdp.ingestion.domain.subjects import Subject, SubjectRequest
from cdp.ingestion.service_layer.unit_of_work import AbstractUnitOfWork

log = logging.getLogger("cdp.ingestion.privacy")
SERVICE = "ingestion"


class Opener(Protocol):
    def export(self, events: Sequence[SealedEvent], subject: Subject) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class PrivacyDependencies:
    new_uow: Callable[[], AbstractUnitOfWork]
    # Export reads without the log's write lock: ingestion keeps flowing while it scans.
    new_reader: Callable[[], AbstractUnitOfWork]
    opener: Opener
    # Catches the in-memory suppression set up with the database.
    refresh_suppression: Callable[[], None]
    # Drops subjects' keys from this process's key cache (a no-op without a cache).
    purge_keys: Callable[[Sequence[str]], None]
    # Makes deleted bytes leave the disk (SQLite: WAL checkpoint); a no-op elsewhere.
    compact: Callable[[], None]
    clock: Callable[[], int] = field(default=time.time_ns)


def fence_subject(command: SubjectRequest, deps: PrivacyDependencies) -> int:
    """Persists the suppression entries; returns how many were new. Nothing for the subject is
    stored once this returns (the storing transaction checks the same entries)."""
    with deps.new_uow() as uow:
        added = uow.subjects.suppress(command.subject.suppression_digests())
    _after_fence(command.subject, deps)
    log.info("fenced for %s: %d new suppression entries", command.log_name, added)
    return added


def erase_subject(command: SubjectRequest, deps: PrivacyDependencies) -> dict[str, int]:
    """Cuts the subject's events out of the log, with their dedup claims and restriction rows.

    It fences too (idempotently), so an erasure whose fence was lost still leaves nothing behind.
    """
    subject = command.subject
    with deps.new_uow() as uow:
        uow.subjects.suppress(subject.suppression_digests())
        erased = uow.subject_events.erase(subject)
        restrictions = uow.subjects.lift(subject.restriction_digests())
    _after_fence(subject, deps)
    deps.compact()
    counts = {
        "events": erased.events,
        "batches_rewritten": erased.batches,
        "restrictions": restrictions,
    }
    log.info("erased for %s: %s", command.log_name, counts)
    return counts


def export_subject(command: SubjectRequest, deps: PrivacyDependencies) -> dict[str, Any]:
    """The subject's logged events, decrypted (restricted subjects too: this is the compliance path)."""
    with deps.new_reader() as uow:
        events = uow.subject_events.read(command.subject)
    document = {"service": SERVICE, "events": deps.opener.export(events, command.subject)}
    log.info("exported for %s: %d events", command.log_name, len(events))
    return document


def restrict_subject(command: SubjectRequest, deps: PrivacyDependencies) -> int:
    """Records or lifts restriction; ingestion keeps storing (storage is allowed under it)."""
    digests = command.subject.restriction_digests()
    with deps.new_uow() as uow:
        if command.restricted:
            changed = uow.subjects.restrict(digests, deps.clock())
        else:
            changed = uow.subjects.lift(digests)
    log.info(
        "restriction %s for %s: %d records changed",
        "set" if command.restricted else "lifted",
        command.log_name,
        changed,
    )
    return changed


def _after_fence(subject: Subject, deps: PrivacyDependencies) -> None:
    deps.refresh_suppression()
    deps.purge_keys(sorted(subject.subject_ids))
