"""Data-subject requests: the request, its per-service tasks, and how their states add up."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from cdp.errors import InvalidArgument, field_required, too_many

MAX_IDENTITIES = 1000
PARTICIPANTS = ("ingestion", "identity", "profile", "segmentation", "consent")


class RequestType(Enum):
    ACCESS = "ACCESS"
    PORTABILITY = "PORTABILITY"
    ERASURE = "ERASURE"
    RESTRICTION = "RESTRICTION"
    RESTRICTION_LIFT = "RESTRICTION_LIFT"
    OBJECTION = "OBJECTION"


class State(Enum):
    RECEIVED = "RECEIVED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class TaskState(Enum):
    PENDING = "PENDING"  # not yet attempted, or to be retried
    DONE = "DONE"
    FAILED = "FAILED"  # last attempt failed; retried with backoff


FINISHED = (State.COMPLETED, State.FAILED, State.CANCELLED)


@dataclass
class Task:
    service: str
    state: TaskState = TaskState.PENDING
    counts: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    last_error: str = ""
    complete_time: datetime | None = None


@dataclass
class Subject:
    subject_ids: list[str]
    blind_indexes: list[bytes]
    profiles: list[str]

    def is_empty(self) -> bool:
        return not (self.subject_ids or self.blind_indexes or self.profiles)


@dataclass
class DataSubjectRequest:
    request_id: str
    type: RequestType
    jurisdiction: str
    subject: Subject
    receive_time: datetime
    due_time: datetime
    state: State = State.RECEIVED
    tasks: list[Task] = field(default_factory=list)
    complete_time: datetime | None = None
    extended: bool = False

    @property
    def name(self) -> str:
        return f"dataSubjectRequests/{self.request_id}"

    def aggregate(self, now: datetime) -> State:
        """Honest aggregation: COMPLETED only when every task is DONE, PARTIAL while any failed."""
        if self.state in FINISHED:
            return self.state
        if self.tasks and all(t.state is TaskState.DONE for t in self.tasks):
            self.state, self.complete_time = State.COMPLETED, now
        elif any(t.state is TaskState.FAILED for t in self.tasks):
            self.state = State.PARTIAL
        else:
            self.state = State.IN_PROGRESS
        return self.state


UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def check_request_id(request_id: str) -> str:
    if not request_id:
        raise field_required("request_id")
    if not UUID4.match(request_id.lower()):
        raise InvalidArgument(
            "INVALID_REQUEST_ID", "request_id must be a UUIDv4", field="request_id"
        )
    return str(uuid.UUID(request_id))


def check_identities(count: int) -> None:
    if count == 0:
        raise field_required("identities")
    if count > MAX_IDENTITIES:
        raise too_many("identities", MAX_IDENTITIES)


def request_id_from_name(name: str) -> str:
    prefix = "dataSubjectRequests/"
    if not name.startswith(prefix):
        raise InvalidArgument(
            "INVALID_NAME", "name must be dataSubjectRequests/{request_id}", field="name"
        )
    return check_request_id(name[len(prefix) :])
