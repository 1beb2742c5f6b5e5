"""The only place ingestion seals personal data, and the event log it durably appends to."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from cdp.db import is_sqlite
from cdp.db.outbox import append
from cdp.errors import Unavailable
from cdp.ingestion.adapters import pipeline
from cdp.ingestion.adapters.orm import event_log, message_ids
from cdp.ingestion.domain.model import Identifier, PreparedEvent, SealedEvent, SealedIdentifier
from cdp.ingestion.domain.subjects import Subject
from cdp.ingestion.domain.suppression import SuppressionList
from cdp.pii import Aad, BlindIndexer, Vault
from cdp.pii.documents import merge
from cdp.pii.vault import SubjectErased, SubjectKey, Unreadable

_ERASED = object()
_NANOS = 1_000_000_000


class DataKeyMissing(Unavailable):
    """The key service returned no key for a subject it was asked to create one for."""

    def __init__(self) -> None:
        super().__init__("DATA_KEY_MISSING", "a data key was not available; retry the batch")


class VaultSealer:
    """Blind-indexes and seals a batch: one key prefetch, one seal per distinct identifier and per event."""

    def __init__(
        self, vault: Vault, indexer: BlindIndexer, suppression: SuppressionList | None = None
    ) -> None:
        self._vault = vault
        self._indexer = indexer
        self._suppression = suppression if suppression is not None else SuppressionList()

    def seal(
        self, source: str, events: Sequence[PreparedEvent], receive_ns: int
    ) -> list[SealedEvent | None]:
        """One SealedEvent per event, or None when a subject it names was erased (suppressed)."""
        if not events:
            return []
        indexed = self._index(events)
        blocked = self._suppressed(events, indexed)
        subject_ids = {
            indexed[i][1] for event in events if id(event) not in blocked for i in event.identifiers
        }
        batch = _BatchSealer(
            Vault(_Prefetched(self._vault.prefetch(subject_ids))), indexed, source, receive_ns
        )
        return [None if id(event) in blocked else batch.seal_event(event) for event in events]

    def _suppressed(
        self, events: Sequence[PreparedEvent], indexed: dict[Identifier, tuple[bytes, str]]
    ) -> set[int]:
        """id()s of the events naming a suppressed subject: a first, lock-free look (the storing
        transaction decides), so that they are neither sealed nor given keys."""
        blocks = self._suppression.blocks_key
        named = {i for i, (blind, subject_id) in indexed.items() if blocks(blind, subject_id)}
        if not named:
            return set()
        return {id(e) for e in events if any(i in named for i in e.identifiers)}

    def _index(self, events: Sequence[PreparedEvent]) -> dict[Identifier, tuple[bytes, str]]:
        indexed: dict[Identifier, tuple[bytes, str]] = {}
        for event in events:
            for identifier in event.identifiers:
                if identifier not in indexed:
                    blind = self._indexer.index(identifier.type, identifier.value)
                    indexed[identifier] = (blind, self._indexer.subject_id(blind))
        return indexed


class _Prefetched:
    """The batch's keys as fetched once: no key-service round trip (or cache lock) per seal."""

    def __init__(self, keys: dict[str, SubjectKey]) -> None:
        self._keys = keys

    def get_keys(self, subject_ids: Sequence[str], create: bool) -> dict[str, SubjectKey]:
        return {s: self._keys[s] for s in subject_ids if s in self._keys}


class _BatchSealer:
    def __init__(
        self,
        vault: Vault,
        indexed: dict[Identifier, tuple[bytes, str]],
        source: str,
        receive_ns: int,
    ) -> None:
        self._vault = vault
        self._indexed = indexed
        self._source = source
        self._receive_ns = receive_ns
        self._sealed: dict[Identifier, SealedIdentifier | object] = {}

    def seal_event(self, event: PreparedEvent) -> SealedEvent | None:
        try:
            ids = [self._seal_identifier(identifier) for identifier in event.identifiers]
            subject_id = self._indexed[event.primary][1]
            pii = self._seal_pii(event, subject_id) if event.personal_json else b""
        except SubjectErased:
            return None
        except Unreadable as exc:
            raise DataKeyMissing() from exc
        return SealedEvent(
            event.message_id,
            self._source,
            event.type,
            event.event_name,
            event.timestamp_ns,
            self._receive_ns,
            ids,
            subject_id,
            event.public_json,
            pii,
        )

    def _seal_pii(self, event: PreparedEvent, subject_id: str) -> bytes:
        aad = Aad(
            service="suite", table="events", field="pii/" + event.message_id, subject_id=subject_id
        )
        return self._vault.seal(event.personal_json, aad)

    def _seal_identifier(self, identifier: Identifier) -> SealedIdentifier:
        # One ciphertext per distinct identifier in a batch: equal values are already linkable
        # through their blind index, so sharing the ciphertext reveals nothing more.
        found = self._sealed.get(identifier)
        if found is None:
            blind, subject_id = self._indexed[identifier]
            aad = Aad(
                service="identity",
                table="identifiers",
                field=identifier.type,
                subject_id=subject_id,
            )
            try:
                sealed_value = self._vault.seal(identifier.value.encode(), aad)
                found = SealedIdentifier(identifier.type, blind, sealed_value, subject_id)
            except SubjectErased:
                found = _ERASED
            self._sealed[identifier] = found
        if found is _ERASED:
            raise SubjectErased(self._indexed[identifier][1])
        return found


class SqlEventLog:
    """Dedup claims and log appends inside the caller's write transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def claim(self, source: str, ids: Sequence[str], receive_ns: int) -> set[str]:
        """Records the message ids; returns those that were new (the rest were seen before)."""
        if not ids:
            return set()
        dialect = sqlite if is_sqlite(self._conn) else postgresql
        statement = (
            dialect.insert(message_ids)
            .on_conflict_do_nothing(index_elements=["source", "message_id"])
            .returning(message_ids.c.message_id)
        )
        rows = [
            {"source": source, "message_id": message_id, "receive_time_ns": receive_ns}
            for message_id in ids
        ]
        return set(self._conn.execute(statement, rows).scalars())

    def append(self, events: Sequence[SealedEvent]) -> int:
        """Appends one log entry holding the events; returns its sequence number."""
        return append(self._conn, event_log, pipeline.encode_batch(events), len(events))


class VaultOpener:
    """Opens a subject's logged events for export: identifiers with their Aad, personal values
    merged back into properties/traits/context. A value whose key was destroyed is left out."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def export(self, events: Sequence[SealedEvent], subject: Subject) -> list[dict[str, Any]]:
        subject_ids = {e.subject_id for e in events} | {
            i.subject_id for e in events for i in e.identifiers
        }
        keys = self._vault.prefetch(subject_ids, create=False)
        vault = Vault(_Prefetched(keys))
        return [_exported(vault, event, subject) for event in events]


def _exported(vault: Vault, event: SealedEvent, subject: Subject) -> dict[str, Any]:
    document = json.loads(event.public_json) if event.public_json else {}
    merge(document, _opened_pii(vault, event))
    identifiers = []
    for identifier in event.identifiers:
        if subject.names(identifier):
            value = _opened_identifier(vault, identifier)
            if value is not None:
                identifiers.append({"type": identifier.type, "value": value})
    return {
        "message_id": event.message_id,
        "source": event.source,
        "type": event.type.name.lower(),
        "event_name": event.event_name,
        "timestamp": _rfc3339(event.timestamp_ns),
        "receive_time": _rfc3339(event.receive_ns),
        "identifiers": identifiers,
        "properties": document.get("properties", {}),
        "traits": document.get("traits", {}),
        "context": document.get("context", {}),
        # The rest of what the sender sent, so an export re-imports faithfully (R15).
        "category": document.get("category", ""),
        "group_id": document.get("group_id", ""),
        "integrations": document.get("integrations", {}),
    }


def _opened_identifier(vault: Vault, identifier: SealedIdentifier) -> str | None:
    aad = Aad(
        service="identity",
        table="identifiers",
        field=identifier.type,
        subject_id=identifier.subject_id,
    )
    try:
        return vault.open(identifier.sealed_value, aad).decode()
    except (SubjectErased, Unreadable):
        return None


def _opened_pii(vault: Vault, event: SealedEvent) -> list[list[Any]]:
    if not event.sealed_pii:
        return []
    aad = Aad(
        service="suite",
        table="events",
        field="pii/" + event.message_id,
        subject_id=event.subject_id,
    )
    try:
        return json.loads(vault.open(event.sealed_pii, aad))
    except (SubjectErased, Unreadable):
        return []


def _rfc3339(ns: int) -> str:
    seconds, nanos = divmod(ns, _NANOS)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"
