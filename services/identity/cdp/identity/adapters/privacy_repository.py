"""Identity's share of data-subject requests on the database: resolve, suppress, erase, export, restrict.

Values are opened only through the IdentifierVault (repository.py), never here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection

from cdp.identity.adapters import erasure_sql, pipeline
from cdp.identity.adapters import privacy_sql as sql
from cdp.identity.adapters.graph_sql import utc
from cdp.identity.adapters.orm import (
    outbox,
    restricted_indexes,
    restricted_profiles,
    restricted_subjects,
)
from cdp.identity.adapters.repository import IdentifierVault, lookup_types
from cdp.identity.domain.model import ExplainedRecord, Identity
from cdp.identity.domain.subject import (
    ERASE_KINDS,
    HeldIdentity,
    HeldProfile,
    Restriction,
    SubjectExport,
    without_person,
)
from cdp.pii.subjects import Subject


class SqlAlchemyPrivacyRepository:
    """One transaction's view of the graph for a data-subject request (writes hold the graph lock)."""

    def __init__(self, conn: Connection, identifiers: IdentifierVault) -> None:
        self._conn = conn
        self._identifiers = identifiers

    def resolve(
        self, wanted: Collection[tuple[str, bytes]], profile_ids: Collection[str]
    ) -> Subject:
        """The person behind these (type, blind index) pairs and profile ids, as far as the graph knows."""
        pairs = {(kind, bi) for id_type, bi in wanted for kind in lookup_types(id_type)}
        seeds = sql.typed_node_profiles(self._conn, pairs) | set(profile_ids)
        return _widened(Subject(), sql.person(self._conn, seeds))

    def suppress(self, subject: Subject, now: datetime) -> tuple[Subject, int]:
        """Suppresses the subject and every identifier of their profiles; returns them and how many
        suppression entries were new."""
        whole = _widened(subject, self._person(subject))
        return whole, self._suppress(whole, now)

    def erase(self, subject: Subject, now: datetime) -> tuple[Subject, dict[str, int]]:
        """Deletes the person; keeps (and completes) only their suppression entries."""
        person = self._person(subject)
        whole = _widened(subject, person)
        self._suppress(whole, now)
        counts: Counter[str] = Counter(dict.fromkeys(ERASE_KINDS, 0))
        deleted, rewritten = [], []
        for sequence, record in erasure_sql.history_of(self._conn, person):
            cut = without_person(record, person.profile_ids, person.node_ids)
            if cut is None:
                deleted.append(sequence)
            else:
                rewritten.append((sequence, cut))
        counts["split_requests"] = erasure_sql.delete_split_requests(
            self._conn, person.profile_ids, deleted
        )
        counts["merge_records"] = erasure_sql.delete_records(self._conn, deleted)
        counts["merge_records_rewritten"] = erasure_sql.rewrite_records(self._conn, rewritten)
        counts["identifiers"], counts["profiles"] = erasure_sql.delete_person(self._conn, person)
        counts["restrictions"] = sum(
            sql.remove_keys(self._conn, table, keys) for table, keys in _restriction_keys(whole)
        )
        counts.update(
            pipeline.scrub(
                self._conn, outbox, whole.profile_ids, whole.blind_indexes, whole.subject_ids
            )
        )
        return whole, dict(counts)

    def export(self, subject: Subject) -> SubjectExport:
        person = self._person(subject)
        whole = _widened(subject, person)
        values = self._identifiers.open_rows(person.nodes)
        identities = [_held(row, values.get(row.id)) for row in person.nodes]
        opened = {
            row.id: Identity(row.type, values[row.id], utc(row.link_time), row.message_id)
            for row in person.nodes
            if row.id in values
        }
        return SubjectExport(
            profiles=[
                HeldProfile(row.id, utc(row.create_time), row.merged_into)
                for row in sql.profile_rows(self._conn, person.profile_ids)
            ],
            identities=identities,
            records=[
                _own_part(sequence, record, person.profile_ids, opened)
                for sequence, record in erasure_sql.history_of(self._conn, person)
            ],
            restrictions=[
                Restriction(kind, key)
                for kind, key in sql.restriction_rows(
                    self._conn, whole.profile_ids, whole.subject_ids, whole.blind_indexes
                )
            ],
        )

    def restrict(self, subject: Subject, restricted: bool, now: datetime) -> int:
        """Records or lifts restriction for everything that names the person; returns rows changed."""
        whole = _widened(subject, self._person(subject))
        if restricted:
            return sum(
                sql.add_keys(self._conn, table, keys, now)
                for table, keys in _restriction_keys(whole)
            )
        return sum(
            sql.remove_keys(self._conn, table, keys) for table, keys in _restriction_keys(whole)
        )

    def _person(self, subject: Subject) -> sql.Person:
        named = sql.named_node_profiles(self._conn, subject.blind_indexes, subject.subject_ids)
        return sql.person(self._conn, named | subject.profile_ids)

    def _suppress(self, whole: Subject, now: datetime) -> int:
        return sql.suppress(self._conn, whole.blind_indexes, whole.subject_ids, now)


def _widened(subject: Subject, person: sql.Person) -> Subject:
    """The subject with every identifier node and profile name of the person across merges."""
    return Subject(
        subject.subject_ids | {row.subject_id for row in person.nodes},
        subject.blind_indexes | {row.blind_index for row in person.nodes},
        subject.profile_ids | person.profile_ids,
    )


def _restriction_keys(whole: Subject) -> list[tuple]:
    return [
        (restricted_subjects, whole.subject_ids),
        (restricted_indexes, whole.blind_indexes),
        (restricted_profiles, whole.profile_ids),
    ]


def _held(row, value: str | None) -> HeldIdentity:
    return HeldIdentity(row.type, value, row.profile_id, utc(row.link_time), row.message_id)


def _own_part(
    sequence: int, record, profile_ids: frozenset[str], opened: dict[int, Identity]
) -> ExplainedRecord:
    """A record as the person may see it: their own profiles and identifiers, nobody else's."""
    return ExplainedRecord(
        sequence,
        record.kind,
        record.rule,
        record.message_id,
        record.time,
        tuple(p for p in record.before if p in profile_ids),
        record.after if record.after in profile_ids else "",
        tuple(opened[n] for n in record.node_ids if n in opened),
        record.reason,
    )
