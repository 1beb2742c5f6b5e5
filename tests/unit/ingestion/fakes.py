"""In-memory stand-ins for the event log, for handler tests without a database."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from cdp.ingestion.adapters.pipeline import decode_batch, encode_batch
from cdp.ingestion.domain.documents import DocumentSplitter
from cdp.ingestion.domain.model import SealedEvent
from cdp.ingestion.service_layer.handlers import Dependencies, Sealer

NOW_NS = 1_750_000_000 * 10**9


class FakeEventLog:
    def __init__(self) -> None:
        self.claimed: set[tuple[str, str]] = set()
        self.entries: list[bytes] = []

    def claim(self, source: str, ids: Sequence[str], receive_ns: int) -> set[str]:
        new = {message_id for message_id in ids if (source, message_id) not in self.claimed}
        self.claimed |= {(source, message_id) for message_id in new}
        return new

    def append(self, events: Sequence[SealedEvent]) -> int:
        self.entries.append(encode_batch(events))
        return len(self.entries)

    def logged_ids(self) -> list[str]:
        return [event.message_id for entry in self.entries for event in decode_batch(entry).events]


class FakeSubjects:
    """Suppression entries as the storing transaction reads them: (seq, digest, log_seq)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, bytes, int]] = []

    def suppressions_since(self, seq: int) -> list[tuple[int, bytes, int]]:
        return [row for row in self.rows if row[0] > seq]

    def suppress(self, digests: Collection[bytes]) -> int:
        known = {row[1] for row in self.rows}
        new = sorted(set(digests) - known)
        for digest in new:
            self.rows.append((len(self.rows) + 1, digest, 0))
        return len(new)


class FakeUnitOfWork:
    def __init__(self, log: FakeEventLog, subjects: FakeSubjects | None = None) -> None:
        self.events = log
        self.subjects = subjects if subjects is not None else FakeSubjects()
        self.commits = 0

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_rest: object) -> None:
        if exc_type is None:
            self.commits += 1


def dependencies(sealer: Sealer, log: FakeEventLog) -> Dependencies:
    uow = FakeUnitOfWork(log)
    return Dependencies(
        splitter=DocumentSplitter(), sealer=sealer, new_uow=lambda: uow, clock=lambda: NOW_NS
    )
