"""Runs data-subject request tasks until every one is done; durable, so a restart resumes the work."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cdp.config.faults import crash_point
from cdp.consent.adapters.privacy_repository import SqlRequestRepository
from cdp.consent.domain import receipts
from cdp.consent.domain.requests import (
    PARTICIPANTS,
    DataSubjectRequest,
    RequestType,
    State,
    Task,
    TaskState,
)
from cdp.consent.service_layer.privacy import PrivacyDeps
from cdp.db import truncate_wal, write_transaction
from cdp.pii import Aad, Vault
from cdp.pii.vault import SubjectErased

log = logging.getLogger("cdp.consent.dsr")
MAX_BACKOFF = 30.0
# A participant's EraseSubject counts name each recipient it notified as "notified/{recipient}"
# (participant_service.proto; segmentation's audiences are the suite's only recipients today).
NOTIFIED = "notified/"


@dataclass(frozen=True)
class Finishing:
    vault: Vault  # seals export documents under the person's own key
    signing_key: Ed25519PrivateKey


def run_request(request_id: str, deps: PrivacyDeps, finishing: Finishing) -> State:
    """One pass over a request: every unfinished task once, then finish if all are done."""
    with deps.engine.connect() as conn:
        request = SqlRequestRepository(conn).get(request_id)
    if request is None or request.state in (State.COMPLETED, State.FAILED, State.CANCELLED):
        return request.state if request else State.FAILED
    for task in _in_order(request):
        if task.state is not TaskState.DONE:
            _attempt(request, task, deps, finishing)
    if all(task.state is TaskState.DONE for task in request.tasks):
        _finish(request, deps, finishing)
    request.aggregate(deps.clock())
    _save(request, deps)
    if request.type is RequestType.ERASURE and request.state is State.COMPLETED:
        truncate_wal(deps.engine)  # the request row named the subject until _save scrubbed it
    return request.state


def _in_order(request: DataSubjectRequest) -> list[Task]:
    """Tasks in PARTICIPANTS order (consent last), except that lifting a restriction lifts it in
    consent first: its change makes segmentation ask consent again, and a restriction must have
    reached segmentation (RESTRICTED) before consent's answer changes (else CONSENT_WITHDRAWN)."""
    rank = {name: i for i, name in enumerate(PARTICIPANTS)}
    if request.type is RequestType.RESTRICTION_LIFT:
        rank["consent"] = -1
    return sorted(request.tasks, key=lambda task: rank.get(task.service, len(rank)))


def _attempt(
    request: DataSubjectRequest, task: Task, deps: PrivacyDeps, finishing: Finishing
) -> None:
    participant = deps.participants[task.service]
    task.attempts += 1
    try:
        task.counts = _perform(request, participant, finishing, deps)
    except Exception as exc:
        task.state, task.last_error = TaskState.FAILED, f"{type(exc).__name__}: {_safe(exc)}"
        log.warning(
            "%s task on %s failed (attempt %d): %s",
            request.name,
            task.service,
            task.attempts,
            type(exc).__name__,
        )
        return
    task.state, task.last_error, task.complete_time = TaskState.DONE, "", deps.clock()


def _perform(
    request: DataSubjectRequest, participant, finishing: Finishing, deps: PrivacyDeps
) -> dict[str, int]:
    kind, subject = request.type, request.subject
    if kind is RequestType.ERASURE:
        participant.fence(request.name, subject)
        counts = participant.erase(request.name, subject)
        crash_point("after_erase")
        return counts
    if kind in (RequestType.RESTRICTION, RequestType.RESTRICTION_LIFT):
        return participant.restrict(request.name, subject, kind is RequestType.RESTRICTION)
    if kind is RequestType.OBJECTION:
        return participant.object(request.name, subject)
    document = participant.export(request.name, subject)
    sealed = finishing.vault.seal(
        json.dumps(document).encode(), _export_aad(request, participant.service)
    )
    with write_transaction(deps.engine) as conn:
        SqlRequestRepository(conn).store_result(request.request_id, participant.service, sealed)
    return {"records": _count_records(document)}


def _finish(request: DataSubjectRequest, deps: PrivacyDeps, finishing: Finishing) -> None:
    if request.type is RequestType.ERASURE:
        _verify_erased(request, deps)
        if not all(task.state is TaskState.DONE for task in request.tasks):
            return
        crash_point("after_verify")
    if request.type in (RequestType.ACCESS, RequestType.PORTABILITY):
        _assemble_export(request, deps, finishing)
    request.aggregate(deps.clock())
    payload = receipts.canonical(_receipt_document(request))
    signature = receipts.sign(payload, finishing.signing_key)
    # Receipt, scrubbing and the final state commit together: a crash leaves all or nothing.
    with write_transaction(deps.engine) as conn:
        repository = SqlRequestRepository(conn)
        if repository.receipt(request.request_id) is None:
            repository.add_receipt(request.request_id, payload, signature)
        if request.type is RequestType.ERASURE:
            request.subject.blind_indexes, request.subject.profiles = [], []
            request.subject.subject_ids = [receipts.subject_digest(request.subject.subject_ids)]
        repository.save(request)
        deps.audit(conn, "dsr.completed", [], {"request": request.name, "type": request.type.value})
    crash_point("after_receipt")


def _verify_erased(request: DataSubjectRequest, deps: PrivacyDeps) -> None:
    """Nothing may remain: every participant's export of the subject must be empty."""
    for task in request.tasks:
        try:
            leftovers = _count_records(
                deps.participants[task.service].export(request.name, request.subject)
            )
        except Exception as exc:
            task.state, task.last_error = TaskState.FAILED, f"verification: {type(exc).__name__}"
            continue
        if leftovers:
            task.state, task.last_error = (
                TaskState.FAILED,
                f"verification found {leftovers} records left",
            )


def _assemble_export(request: DataSubjectRequest, deps: PrivacyDeps, finishing: Finishing) -> None:
    with deps.engine.connect() as conn:
        results = SqlRequestRepository(conn).results(request.request_id)
    services = {
        service: json.loads(finishing.vault.open(sealed, _export_aad(request, service)))
        for service, sealed in results.items()
    }
    document = {
        "$schema": "https://cdp.dev/schemas/subject-export.v1.json",
        "request": request.name,
        "jurisdiction": request.jurisdiction,
        "generated_at": deps.clock().isoformat(),
        "subject_ids": request.subject.subject_ids,
        "services": services,
    }
    aad = _export_aad(request, "document")
    sealed = finishing.vault.seal(json.dumps(document, ensure_ascii=False).encode(), aad)
    with write_transaction(deps.engine) as conn:
        SqlRequestRepository(conn).store_export(request.request_id, aad.subject_id, sealed)


def export_document(request: DataSubjectRequest, deps: PrivacyDeps, vault: Vault) -> bytes:
    with deps.engine.connect() as conn:
        _subject_id, sealed = SqlRequestRepository(conn).export(request.request_id)
    if sealed is None:
        return b""
    try:
        return vault.open(sealed, _export_aad(request, "document"))
    except SubjectErased:
        return b""  # the subject was erased since: the export was shredded with their key


def _export_aad(request: DataSubjectRequest, part: str) -> Aad:
    return Aad(
        "consent",
        "dsr_requests",
        f"export/{request.request_id}/{part}",
        request.subject.subject_ids[0],
    )


def _receipt_document(request: DataSubjectRequest) -> dict:
    return {
        "request": request.name,
        "type": request.type.value,
        "jurisdiction": request.jurisdiction,
        "state": request.state.value,
        "subject_digest": receipts.subject_digest(request.subject.subject_ids),
        "received": request.receive_time.isoformat(),
        "due": request.due_time.isoformat(),
        "completed": (request.complete_time or request.receive_time).isoformat(),
        "tasks": [
            {"service": t.service, "counts": t.counts, "attempts": t.attempts}
            for t in request.tasks
        ],
        "recipients_notified": _recipients_notified(request),
    }


def _recipients_notified(request: DataSubjectRequest) -> list[str]:
    """Who was told (GDPR Art. 19): recipient names (token subjects such as "service:mailer"),
    sorted, each once, from the tasks' NOTIFIED counts (kept with the task, so a restart between
    the erasure and the receipt loses none)."""
    return sorted(
        {
            key.removeprefix(NOTIFIED)
            for task in request.tasks
            for key in task.counts
            if key.startswith(NOTIFIED)
        }
    )


def _count_records(document: dict) -> int:
    return sum(len(value) for value in document.values() if isinstance(value, list))


def _save(request: DataSubjectRequest, deps: PrivacyDeps) -> None:
    with write_transaction(deps.engine) as conn:
        SqlRequestRepository(conn).save(request)


def _safe(exc: Exception) -> str:
    # gRPC errors carry the peer's message, which our services keep free of personal data.
    details = getattr(exc, "details", None)
    return (details() if callable(details) else type(exc).__name__)[:200]


class DsrWorker:
    """A background thread that keeps running unfinished requests, with backoff while tasks fail."""

    def __init__(self, deps_factory: Callable[[], PrivacyDeps], finishing: Finishing) -> None:
        self._deps_factory, self._finishing = deps_factory, finishing
        self._wake, self._stop = threading.Event(), threading.Event()
        self._backoff: dict[str, tuple[float, float]] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="dsr-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._pass()
            except Exception as exc:
                log.error("data-subject request worker pass failed: %s", type(exc).__name__)
            self._wake.wait(0.5)

    def _pass(self) -> None:
        deps = self._deps_factory()
        with deps.engine.connect() as conn:
            pending = SqlRequestRepository(conn).unfinished()
        now = time.monotonic()
        for request_id in pending:
            if self._stop.is_set():
                return
            due, delay = self._backoff.get(request_id, (0.0, 0.1))
            if due > now:
                continue
            state = run_request(request_id, deps, self._finishing)
            if state in (State.PARTIAL, State.IN_PROGRESS, State.RECEIVED):
                self._backoff[request_id] = (time.monotonic() + delay, min(delay * 2, MAX_BACKOFF))
            else:
                self._backoff.pop(request_id, None)
