"""A request's state adds up its tasks honestly; receipts verify and name no personal data."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cdp.consent.domain import receipts
from cdp.consent.domain.requests import (
    DataSubjectRequest,
    RequestType,
    State,
    Subject,
    Task,
    TaskState,
)

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def _request(*states: TaskState) -> DataSubjectRequest:
    tasks = [Task(f"s{i}", state) for i, state in enumerate(states)]
    return DataSubjectRequest(
        "r", RequestType.ERASURE, "gdpr", Subject([], [], []), NOW, NOW, State.IN_PROGRESS, tasks
    )


def test_completed_only_when_every_task_is_done() -> None:
    assert _request(TaskState.DONE, TaskState.PENDING).aggregate(NOW) is State.IN_PROGRESS
    assert _request(TaskState.DONE, TaskState.DONE).aggregate(NOW) is State.COMPLETED


def test_partial_while_any_task_failed_even_if_others_are_done() -> None:
    assert _request(TaskState.DONE, TaskState.FAILED).aggregate(NOW) is State.PARTIAL


def test_a_partial_request_recovers_to_completed() -> None:
    request = _request(TaskState.FAILED)
    request.aggregate(NOW)
    request.tasks[0].state = TaskState.DONE
    assert request.aggregate(NOW) is State.COMPLETED


def test_a_receipt_verifies_and_any_change_breaks_it() -> None:
    key = Ed25519PrivateKey.generate()
    payload = receipts.canonical(
        {"request": "dataSubjectRequests/x", "tasks": [{"service": "profile"}]}
    )
    signature = receipts.sign(payload, key)
    assert receipts.verify(payload, signature, key.public_key())
    assert not receipts.verify(payload.replace(b"profile", b"profilf"), signature, key.public_key())
