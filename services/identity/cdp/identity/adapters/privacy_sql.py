"""Set-based SQL for data-subject requests: who a person is in the graph, suppression, restriction.

Ciphertext passes through here as opaque bytes; opening happens in repository.py only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, Table, delete, exists, insert, or_, select

from cdp.identity.adapters.graph_sql import NODE_COLUMNS, chunks
from cdp.identity.adapters.orm import (
    identifiers,
    profiles,
    restricted_indexes,
    restricted_profiles,
    restricted_subjects,
    suppressions,
)
from cdp.pii.subjects import suppression_digest


@dataclass(frozen=True)
class Person:
    """A person in the graph: every profile name they ever had and every identifier node they hold."""

    profile_ids: frozenset[str]
    nodes: tuple[Row, ...]  # NODE_COLUMNS + value_ct

    @property
    def node_ids(self) -> frozenset[int]:
        return frozenset(row.id for row in self.nodes)


def _in_chunks(conn: Connection, statement, column, values: Collection) -> Iterable[Row]:
    for chunk in chunks(sorted(set(values))):
        yield from conn.execute(statement.where(column.in_(chunk)))


def typed_node_profiles(conn: Connection, wanted: Collection[tuple[str, bytes]]) -> set[str]:
    """Profiles of the non-blocked nodes with these (type, blind index) pairs."""
    statement = select(identifiers.c.type, identifiers.c.blind_index, identifiers.c.profile_id)
    rows = _in_chunks(conn, statement, identifiers.c.blind_index, {bi for _, bi in wanted})
    pairs = set(wanted)
    return {
        row.profile_id for row in rows if row.profile_id and (row.type, row.blind_index) in pairs
    }


def named_node_profiles(
    conn: Connection, blind_indexes: Collection[bytes], subject_ids: Collection[str]
) -> set[str]:
    """Profiles of the nodes with any of these blind indexes or subject ids (blocked nodes have none)."""
    statement = select(identifiers.c.profile_id)
    found = set(_in_chunks(conn, statement, identifiers.c.blind_index, blind_indexes))
    found |= set(_in_chunks(conn, statement, identifiers.c.subject_id, subject_ids))
    return {row.profile_id for row in found if row.profile_id}


def family(conn: Connection, profile_ids: Collection[str]) -> frozenset[str]:
    """The live profiles these names lead to and every profile ever merged into them (merged_into is
    kept flat, so this is transitive); a profile split off is another person and is not followed."""
    statement = select(profiles.c.id, profiles.c.merged_into)
    roots = {
        row.merged_into or row.id for row in _in_chunks(conn, statement, profiles.c.id, profile_ids)
    }
    members = set(roots)
    absorbed = select(profiles.c.id)
    members.update(row.id for row in _in_chunks(conn, absorbed, profiles.c.merged_into, roots))
    return frozenset(members)


def person(conn: Connection, profile_ids: Collection[str]) -> Person:
    members = family(conn, profile_ids)
    statement = select(*NODE_COLUMNS, identifiers.c.value_ct)
    nodes = sorted(
        _in_chunks(conn, statement, identifiers.c.profile_id, members),
        key=lambda row: (row.link_time, row.id),
    )
    return Person(members, tuple(nodes))


def profile_rows(conn: Connection, profile_ids: Collection[str]) -> list[Row]:
    statement = select(profiles.c.id, profiles.c.create_time, profiles.c.merged_into)
    return sorted(_in_chunks(conn, statement, profiles.c.id, profile_ids), key=lambda r: r.id)


def suppression_digests(
    blind_indexes: Collection[bytes], subject_ids: Collection[str]
) -> dict[bytes, bytes | str]:
    """How suppression entries are stored: a digest per blind index and subject id, by digest."""
    found: dict[bytes, bytes | str] = {
        suppression_digest("blind_index", bi): bi for bi in blind_indexes
    }
    found.update({suppression_digest("subject_id", s): s for s in subject_ids})
    return found


def suppressed(
    conn: Connection, blind_indexes: Collection[bytes], subject_ids: Collection[str]
) -> tuple[set[bytes], set[str]]:
    """Which of these blind indexes and subject ids are suppressed."""
    if conn.execute(select(suppressions.c.digest).limit(1)).first() is None:
        return set(), set()  # nobody was ever fenced: the pipeline's usual case
    by_digest = suppression_digests(blind_indexes, subject_ids)
    column = suppressions.c.digest
    found = [by_digest[row.digest] for row in _in_chunks(conn, select(column), column, by_digest)]
    return (
        {key for key in found if isinstance(key, bytes)},
        {key for key in found if isinstance(key, str)},
    )


def suppress(
    conn: Connection, blind_indexes: Collection[bytes], subject_ids: Collection[str], now: datetime
) -> int:
    return add_keys(conn, suppressions, suppression_digests(blind_indexes, subject_ids), now)


def add_keys(conn: Connection, table: Table, keys: Collection, now: datetime) -> int:
    """Inserts the keys the table lacks; returns how many were new (callers hold the write lock)."""
    column = table.primary_key.columns.values()[0]
    present = {row[0] for row in _in_chunks(conn, select(column), column, keys)}
    rows = [{column.name: key, "create_time": now} for key in sorted(set(keys) - present)]
    if rows:
        conn.execute(insert(table), rows)
    return len(rows)


def remove_keys(conn: Connection, table: Table, keys: Collection) -> int:
    column = table.primary_key.columns.values()[0]
    removed = 0
    for chunk in chunks(sorted(set(keys))):
        removed += conn.execute(delete(table).where(column.in_(chunk))).rowcount
    return removed


def restriction_rows(
    conn: Connection,
    profile_ids: Collection[str],
    subject_ids: Collection[str],
    blind_indexes: Collection[bytes],
) -> list[tuple[str, str | bytes]]:
    """(kind, key) of every restriction that names the person."""
    found: list[tuple[str, str | bytes]] = []
    for table, kind, keys in (
        (restricted_subjects, "subject_id", subject_ids),
        (restricted_indexes, "blind_index", blind_indexes),
        (restricted_profiles, "profile", profile_ids),
    ):
        column = table.primary_key.columns.values()[0]
        found += [(kind, row[0]) for row in _in_chunks(conn, select(column), column, keys)]
    return sorted(found, key=lambda item: (item[0], item[1]))


def is_restricted(conn: Connection, profile_id: str) -> bool:
    """Whether a live profile's person is restricted: by any of its names or any of its identifiers."""
    names = select(profiles.c.id).where(
        or_(profiles.c.id == profile_id, profiles.c.merged_into == profile_id)
    )
    nodes = identifiers.c.profile_id == profile_id
    checks = [
        exists().where(restricted_profiles.c.profile_id.in_(names)),
        exists().where(nodes, identifiers.c.blind_index == restricted_indexes.c.blind_index),
        exists().where(nodes, identifiers.c.subject_id == restricted_subjects.c.subject_id),
    ]
    return bool(conn.execute(select(or_(*checks))).scalar())


def any_restriction(conn: Connection) -> bool:
    """Cheap guard: most of the time nobody is restricted and reads need no further check."""
    tables = (restricted_profiles, restricted_indexes, restricted_subjects)
    return bool(conn.execute(select(or_(*(exists().select_from(t) for t in tables)))).scalar())


def restricted_among(conn: Connection, profile_ids: Collection[str]) -> set[str]:
    """Which of these live profiles belong to a restricted person (few: one explanation's worth)."""
    if not profile_ids or not any_restriction(conn):
        return set()
    return {p for p in profile_ids if is_restricted(conn, p)}
