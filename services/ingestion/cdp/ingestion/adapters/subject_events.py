"""A data subject's events in the event log: found by their keys' bytes, read, or cut out of batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, LargeBinary, bindparam, delete, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from cdp.api.ingestion.v1 import sealed_event_pb2 as pb
from cdp.ingestion.adapters.orm import event_log, message_ids
from cdp.ingestion.adapters.pipeline import decode_batch, encode_wire_events, event_from_wire
from cdp.ingestion.domain.model import SealedEvent
from cdp.ingestion.domain.subjects import Subject

# Needles per scan: one pass over the log tests this many byte strings per batch record.
_NEEDLES_PER_SCAN = 64
_CHUNK = 500


class _BytePosition(FunctionElement):
    """position(needle IN haystack) over bytes, 0 when absent: instr() on SQLite."""

    type = Integer()
    inherit_cache = True


@compiles(_BytePosition, "sqlite")
def _sqlite_position(element: _BytePosition, compiler: Any, **kw: Any) -> str:
    haystack, needle = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"instr({haystack}, {needle})"


@compiles(_BytePosition, "postgresql")
def _postgresql_position(element: _BytePosition, compiler: Any, **kw: Any) -> str:
    haystack, needle = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"position({needle} IN {haystack})"


@dataclass(frozen=True)
class Erased:
    events: int
    batches: int


class SqlSubjectEvents:
    """Reads and erases a subject's logged events inside the caller's transaction.

    A batch record holds its events' blind indexes and subject ids as raw bytes (ciphertexts and
    public JSON cannot contain them by chance), so the database finds the candidate records and
    Python decodes each candidate once to pick out the events that are really the subject's.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def read(self, subject: Subject) -> list[SealedEvent]:
        return [
            event_from_wire(event)
            for _seq, events in self._candidates(subject)
            for event in events
            if subject.owns(event.subject_id, event.identifiers)
        ]

    def erase(self, subject: Subject) -> Erased:
        """Rewrites every record holding the subject's events without them (an emptied record is
        deleted; sequence numbers are never reused, so the relay cursor stays valid) and deletes
        those events' dedup claims."""
        rewritten: list[dict[str, Any]] = []
        emptied: list[int] = []
        claims: list[dict[str, str]] = []
        for seq, events in self._candidates(subject):
            kept = [e for e in events if not subject.owns(e.subject_id, e.identifiers)]
            if len(kept) == len(events):
                continue
            claims += [
                {"b_source": e.source, "b_message_id": e.message_id}
                for e in events
                if subject.owns(e.subject_id, e.identifiers)
            ]
            if kept:
                rewritten.append(
                    {"b_seq": seq, "b_payload": encode_wire_events(kept), "b_count": len(kept)}
                )
            else:
                emptied.append(seq)
        self._rewrite(rewritten)
        self._delete(emptied)
        self._forget(claims)
        return Erased(len(claims), len(rewritten) + len(emptied))

    def _candidates(self, subject: Subject) -> list[tuple[int, Sequence[pb.SealedEvent]]]:
        needles = subject.needles()
        payloads: dict[int, bytes] = {}
        for start in range(0, len(needles), _NEEDLES_PER_SCAN):
            found = or_(
                *(
                    _BytePosition(event_log.c.payload, literal(needle, LargeBinary)) > 0
                    for needle in needles[start : start + _NEEDLES_PER_SCAN]
                )
            )
            query = select(event_log.c.seq, event_log.c.payload).where(found)
            for seq, payload in self._conn.execute(query):
                payloads.setdefault(seq, bytes(payload))
        return [(seq, decode_batch(payloads[seq]).events) for seq in sorted(payloads)]

    def _rewrite(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._conn.execute(
                event_log.update()
                .where(event_log.c.seq == bindparam("b_seq"))
                .values(payload=bindparam("b_payload"), item_count=bindparam("b_count")),
                rows,
            )

    def _delete(self, seqs: list[int]) -> None:
        for start in range(0, len(seqs), _CHUNK):
            self._conn.execute(
                delete(event_log).where(event_log.c.seq.in_(seqs[start : start + _CHUNK]))
            )

    def _forget(self, claims: list[dict[str, str]]) -> None:
        if claims:
            self._conn.execute(
                delete(message_ids).where(
                    message_ids.c.source == bindparam("b_source"),
                    message_ids.c.message_id == bindparam("b_message_id"),
                ),
                claims,
            )
