"""Data-subject requests: record and fence synchronously, then run each service's task until done.

An erasure returns only after the person is fenced everywhere it can be: suppression entries and key
tombstones are committed with the request, the tombstone log is on disk, and every participant was
asked to fence (purge key caches, refuse the subject). The worker then runs each task with retries;
the request is COMPLETED only when every task is done and verification finds nothing left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine

from cdp.config.faults import crash_point
from cdp.consent.adapters import consent_feed
from cdp.consent.adapters.privacy_repository import SqlRequestRepository, suppression_entries
from cdp.consent.domain import deadlines
from cdp.consent.domain.requests import (
    PARTICIPANTS,
    DataSubjectRequest,
    RequestType,
    State,
    Subject,
    Task,
    check_identities,
    check_request_id,
)
from cdp.consent.domain.suppression import Suppressor
from cdp.consent.service_layer.handlers import KEY_LOCK
from cdp.db import write_transaction
from cdp.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from cdp.pii import BlindIndexer, InvalidIdentifier, normalize

log = logging.getLogger("cdp.consent.privacy")
REQUEST_LOCK = 0x44_53_52  # "DSR": serialises request creation on PostgreSQL


class Participant(Protocol):
    service: str

    def fence(self, request: str, subject: Subject) -> int: ...
    def erase(self, request: str, subject: Subject) -> dict[str, int]: ...
    def export(self, request: str, subject: Subject) -> dict: ...
    def restrict(self, request: str, subject: Subject, restricted: bool) -> dict[str, int]: ...


class Resolver(Protocol):
    def resolve(
        self, identifiers: Sequence[tuple[str, str]], profiles: Sequence[str] = ()
    ) -> Subject: ...


@dataclass(frozen=True)
class CreateRequest:
    request_id: str
    type: RequestType
    jurisdiction: str
    identities: list[tuple[str, str]]


@dataclass(frozen=True)
class PrivacyDeps:
    engine: Engine
    indexer: BlindIndexer
    suppressor: Suppressor
    resolver: Resolver
    participants: dict[
        str, Participant
    ]  # every service's share, the consent service's own included
    calendar: deadlines.Calendar
    destroy_keys: Callable[
        [object, list[str], str], None
    ]  # (conn, subject_ids, request_id), in the txn
    audit: Callable[[object, str, list[str], dict], None]  # (conn, action, subject_ids, details)
    wake_worker: Callable[[], None] = lambda: None
    # Wakes the relay to segmentation after a commit that changed what CheckConsent answers.
    consent_changed: Callable[[], None] = lambda: None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def create_request(cmd: CreateRequest, deps: PrivacyDeps) -> DataSubjectRequest:
    request_id = check_request_id(cmd.request_id)
    existing = get_request(request_id, deps.engine, missing_ok=True)
    if existing is not None:
        return _repeated(existing, cmd, deps)
    check_identities(len(cmd.identities))
    own = _own_subject(cmd.identities, deps.indexer)
    subject = _union(deps.resolver.resolve(cmd.identities), own)
    request = _new_request(request_id, cmd, subject, deps)
    # Lock order REQUEST -> KEY -> AUDIT, as everywhere: the keys are destroyed in this transaction.
    with write_transaction(deps.engine, (REQUEST_LOCK, KEY_LOCK)) as conn:
        repository = SqlRequestRepository(conn)
        if repository.get(request_id) is not None:  # a concurrent twin won the race
            return _same_or_conflict(repository.get(request_id), cmd)
        repository.add(request)
        details = {"request": request.name, "jurisdiction": request.jurisdiction}
        if request.type is RequestType.ERASURE:
            details |= _suppress(conn, request, deps)
        # Exactly one entry for the privileged action, the key destruction included (T27).
        deps.audit(conn, f"dsr.created.{request.type.value.lower()}", subject.subject_ids, details)
        if request.type is RequestType.ERASURE:  # suppressed: CheckConsent now says no for them
            consent_feed.append_changes(conn, subject.subject_ids)  # last: after the audit lock
    crash_point("after_record")
    if request.type is RequestType.ERASURE:
        _fence_everywhere(request, deps)
        # After the fence: segmentation then hears ERASED from the fence before re-asking consent.
        deps.consent_changed()
        crash_point("after_fence")
    deps.wake_worker()
    return request


def get_request(
    request_id: str, engine: Engine, missing_ok: bool = False
) -> DataSubjectRequest | None:
    with engine.connect() as conn:
        request = SqlRequestRepository(conn).get(request_id)
    if request is None and not missing_ok:
        raise NotFound("REQUEST_NOT_FOUND", "no such data-subject request", request_id=request_id)
    return request


def cancel_request(request_id: str, deps: PrivacyDeps) -> DataSubjectRequest:
    with write_transaction(deps.engine, REQUEST_LOCK) as conn:
        repository = SqlRequestRepository(conn)
        request = repository.get(request_id)
        if request is None:
            raise NotFound(
                "REQUEST_NOT_FOUND", "no such data-subject request", request_id=request_id
            )
        if request.state is not State.RECEIVED:
            raise FailedPrecondition(
                "REQUEST_STARTED",
                "only a request that has not started can be cancelled",
                state=request.state.value,
            )
        request.state, request.complete_time = State.CANCELLED, deps.clock()
        repository.save(request)
        deps.audit(conn, "dsr.cancelled", [], {"request": request.name})
    return request


def is_suppressed(blind_indexes: Sequence[bytes], deps: PrivacyDeps) -> list[bool]:
    entries = [deps.suppressor.entry(b) for b in blind_indexes]
    with deps.engine.connect() as conn:
        present = suppression_entries(conn).present(entries)
    return [entry in present for entry in entries]


def _new_request(
    request_id: str, cmd: CreateRequest, subject: Subject, deps: PrivacyDeps
) -> DataSubjectRequest:
    now = deps.clock()
    erasure = cmd.type is RequestType.ERASURE
    due = deadlines.due_time(cmd.jurisdiction, erasure, now, deps.calendar)
    services = ["consent"] if cmd.type is RequestType.OBJECTION else list(PARTICIPANTS)
    state = State.IN_PROGRESS if erasure else State.RECEIVED
    return DataSubjectRequest(
        request_id,
        cmd.type,
        cmd.jurisdiction,
        subject,
        now,
        due,
        state,
        [Task(service) for service in services if service in deps.participants],
    )


def _suppress(conn, request: DataSubjectRequest, deps: PrivacyDeps) -> dict[str, int]:
    """Suppression entries and key tombstones, in the request's own transaction."""
    subject = request.subject
    entries = [deps.suppressor.entry(b) for b in subject.blind_indexes]
    entries += [deps.suppressor.entry(s) for s in subject.subject_ids]
    added = suppression_entries(conn).add(entries, request.request_id, request.receive_time)
    destroyed = deps.destroy_keys(conn, subject.subject_ids, request.request_id)
    return {"suppressed": added, "keys_destroyed": destroyed or 0}


def _repeated(
    existing: DataSubjectRequest, cmd: CreateRequest, deps: PrivacyDeps
) -> DataSubjectRequest:
    """A repeat answers the first request and leaves one "duplicate" entry, nothing more (T13)."""
    request = _same_or_conflict(existing, cmd)
    with write_transaction(deps.engine) as conn:
        deps.audit(conn, "dsr.duplicate", [], {"request": request.name})
    return request


def _fence_everywhere(request: DataSubjectRequest, deps: PrivacyDeps) -> None:
    """Asks every participant to fence at once; one that cannot be reached holds no live key for the
    subject beyond its cache TTL (the keys are already destroyed), and is fenced again by its task."""
    remote = [p for name, p in deps.participants.items() if name != "consent"]
    with ThreadPoolExecutor(max_workers=max(len(remote), 1)) as pool:
        outcomes = list(pool.map(lambda p: _try_fence(p, request), remote))
    failed = [service for service, ok in outcomes if not ok]
    if failed:
        log.warning(
            "fence of %s not confirmed by %s; their tasks fence again",
            request.name,
            ", ".join(failed),
        )


def _try_fence(participant: Participant, request: DataSubjectRequest) -> tuple[str, bool]:
    try:
        participant.fence(request.name, request.subject)
        return participant.service, True
    except Exception as exc:
        log.warning("fence on %s failed: %s", participant.service, type(exc).__name__)
        return participant.service, False


def _own_subject(identities: list[tuple[str, str]], indexer: BlindIndexer) -> Subject:
    indexes = []
    for position, (kind, value) in enumerate(identities):
        try:
            indexes.append(indexer.index(kind, normalize(kind, value)))
        except InvalidIdentifier as exc:
            # Not the caller's type in the message: it is unbounded, and a status past 16 KiB of
            # trailers never reaches the client.
            raise InvalidArgument(
                exc.reason,
                f"identities[{position}] is not a valid identifier",
                field=f"identities[{position}].value",
            ) from exc
    return Subject([indexer.subject_id(b) for b in indexes], indexes, [])


def _union(first: Subject, second: Subject) -> Subject:
    return Subject(
        list(dict.fromkeys(first.subject_ids + second.subject_ids)),
        list(dict.fromkeys(first.blind_indexes + second.blind_indexes)),
        list(dict.fromkeys(first.profiles + second.profiles)),
    )


def _same_or_conflict(existing: DataSubjectRequest, cmd: CreateRequest) -> DataSubjectRequest:
    if existing.type is not cmd.type:
        raise AlreadyExists(
            "REQUEST_ID_REUSED",
            "this request_id names a request of another type",
            request_id=existing.request_id,
        )
    return existing


def list_requests(
    size: int, before, engine: Engine
) -> tuple[list[DataSubjectRequest], tuple | None]:
    with engine.connect() as conn:
        found = SqlRequestRepository(conn).list(size + 1, before)
    page, more = found[:size], len(found) > size
    return page, ((page[-1].receive_time, page[-1].request_id) if more else None)


def receipt(request_id: str, engine: Engine) -> tuple[bytes, bytes]:
    with engine.connect() as conn:
        found = SqlRequestRepository(conn).receipt(request_id)
    if found is None:
        raise FailedPrecondition(
            "RECEIPT_NOT_READY",
            "the request has no receipt until it completes",
            request_id=request_id,
        )
    return found
