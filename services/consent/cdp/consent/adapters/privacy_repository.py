"""Storage of data-subject requests, their tasks and receipts, suppression and restriction entries."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cdp.consent.adapters.privacy_orm import (
    dsr_receipts,
    dsr_requests,
    dsr_tasks,
    restrictions,
    suppression,
)
from cdp.consent.domain.requests import (
    DataSubjectRequest,
    RequestType,
    State,
    Subject,
    Task,
    TaskState,
)
from cdp.db import is_sqlite


def _subject_json(subject: Subject) -> str:
    return json.dumps(
        {
            "subject_ids": subject.subject_ids,
            "blind_indexes": [b.hex() for b in subject.blind_indexes],
            "profiles": subject.profiles,
        }
    )


def _subject(raw: str) -> Subject:
    data = json.loads(raw)
    return Subject(
        data.get("subject_ids", []),
        [bytes.fromhex(b) for b in data.get("blind_indexes", [])],
        data.get("profiles", []),
    )


class SqlRequestRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, request: DataSubjectRequest) -> None:
        self._conn.execute(
            insert(dsr_requests).values(
                request_id=request.request_id,
                type=request.type.value,
                jurisdiction=request.jurisdiction,
                state=request.state.value,
                subject_json=_subject_json(request.subject),
                receive_time=request.receive_time,
                due_time=request.due_time,
                extended=request.extended,
            )
        )
        self._conn.execute(
            insert(dsr_tasks),
            [
                {
                    "request_id": request.request_id,
                    "service": t.service,
                    "state": t.state.value,
                    "counts_json": "{}",
                    "attempts": 0,
                    "last_error": "",
                }
                for t in request.tasks
            ],
        )

    def get(self, request_id: str) -> DataSubjectRequest | None:
        row = self._conn.execute(
            select(dsr_requests).where(dsr_requests.c.request_id == request_id)
        ).first()
        if row is None:
            return None
        tasks = self._conn.execute(
            select(dsr_tasks)
            .where(dsr_tasks.c.request_id == request_id)
            .order_by(dsr_tasks.c.service)
        ).all()
        return _request(row, tasks)

    def list(self, limit: int, before: tuple[datetime, str] | None) -> list[DataSubjectRequest]:
        query = (
            select(dsr_requests.c.request_id)
            .order_by(dsr_requests.c.receive_time.desc(), dsr_requests.c.request_id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(
                (dsr_requests.c.receive_time < before[0])
                | (
                    (dsr_requests.c.receive_time == before[0])
                    & (dsr_requests.c.request_id < before[1])
                )
            )
        return [self.get(request_id) for (request_id,) in self._conn.execute(query)]

    def save(self, request: DataSubjectRequest) -> None:
        self._conn.execute(
            update(dsr_requests)
            .where(dsr_requests.c.request_id == request.request_id)
            .values(
                state=request.state.value,
                complete_time=request.complete_time,
                subject_json=_subject_json(request.subject),
            )
        )
        for task in request.tasks:
            self._conn.execute(
                update(dsr_tasks)
                .where(
                    dsr_tasks.c.request_id == request.request_id,
                    dsr_tasks.c.service == task.service,
                )
                .values(
                    state=task.state.value,
                    counts_json=json.dumps(task.counts),
                    attempts=task.attempts,
                    last_error=task.last_error[:500],
                    complete_time=task.complete_time,
                )
            )

    def unfinished(self) -> list[str]:
        states = [State.RECEIVED.value, State.IN_PROGRESS.value, State.PARTIAL.value]
        return list(
            self._conn.execute(
                select(dsr_requests.c.request_id)
                .where(dsr_requests.c.state.in_(states))
                .order_by(dsr_requests.c.receive_time)
            ).scalars()
        )

    def store_result(self, request_id: str, service: str, sealed: bytes) -> None:
        self._conn.execute(
            update(dsr_tasks)
            .where(dsr_tasks.c.request_id == request_id, dsr_tasks.c.service == service)
            .values(result_ct=sealed)
        )

    def results(self, request_id: str) -> dict[str, bytes]:
        rows = self._conn.execute(
            select(dsr_tasks.c.service, dsr_tasks.c.result_ct).where(
                dsr_tasks.c.request_id == request_id
            )
        )
        return {service: sealed for service, sealed in rows if sealed is not None}

    def store_export(self, request_id: str, subject_id: str, sealed: bytes) -> None:
        self._conn.execute(
            update(dsr_requests)
            .where(dsr_requests.c.request_id == request_id)
            .values(export_subject=subject_id, export_ct=sealed)
        )
        self._conn.execute(
            update(dsr_tasks).where(dsr_tasks.c.request_id == request_id).values(result_ct=None)
        )

    def export(self, request_id: str) -> tuple[str | None, bytes | None]:
        row = self._conn.execute(
            select(dsr_requests.c.export_subject, dsr_requests.c.export_ct).where(
                dsr_requests.c.request_id == request_id
            )
        ).first()
        return (row[0], row[1]) if row else (None, None)

    def add_receipt(self, request_id: str, payload: bytes, signature: bytes) -> None:
        self._conn.execute(
            insert(dsr_receipts).values(request_id=request_id, payload=payload, signature=signature)
        )

    def receipt(self, request_id: str) -> tuple[bytes, bytes] | None:
        row = self._conn.execute(
            select(dsr_receipts.c.payload, dsr_receipts.c.signature).where(
                dsr_receipts.c.request_id == request_id
            )
        ).first()
        return (row[0], row[1]) if row else None


class SqlEntryRepository:
    """Suppression and restriction entries (Suppressor HMACs), checked in bulk."""

    def __init__(self, conn: Connection, table) -> None:
        self._conn, self._table = conn, table

    def add(self, entries: Iterable[bytes], request_id: str, now: datetime) -> int:
        rows = [
            {"entry": e, "request_id": request_id, "create_time": now}
            for e in dict.fromkeys(entries)
        ]
        if not rows:
            return 0
        statement = (sqlite.insert if is_sqlite(self._conn) else postgresql.insert)(self._table)
        # Counted from RETURNING: psycopg reports rowcount -1 for a batch, and callers act on "new".
        added = self._conn.execute(
            statement.on_conflict_do_nothing(index_elements=["entry"]).returning(
                self._table.c.entry
            ),
            rows,
        )
        return len(added.all())

    def remove(self, entries: Sequence[bytes]) -> int:
        return self._conn.execute(
            delete(self._table).where(self._table.c.entry.in_(list(entries)))
        ).rowcount

    def present(self, entries: Sequence[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for start in range(0, len(entries), 500):
            chunk = list(entries[start : start + 500])
            found |= set(
                self._conn.execute(
                    select(self._table.c.entry).where(self._table.c.entry.in_(chunk))
                ).scalars()
            )
        return found


def suppression_entries(conn: Connection) -> SqlEntryRepository:
    return SqlEntryRepository(conn, suppression)


def restriction_entries(conn: Connection) -> SqlEntryRepository:
    return SqlEntryRepository(conn, restrictions)


def _request(row, tasks) -> DataSubjectRequest:
    return DataSubjectRequest(
        request_id=row.request_id,
        type=RequestType(row.type),
        jurisdiction=row.jurisdiction,
        subject=_subject(row.subject_json),
        receive_time=row.receive_time,
        due_time=row.due_time,
        state=State(row.state),
        complete_time=row.complete_time,
        extended=row.extended,
        tasks=[
            Task(
                t.service,
                TaskState(t.state),
                json.loads(t.counts_json),
                t.attempts,
                t.last_error,
                t.complete_time,
            )
            for t in tasks
        ],
    )
