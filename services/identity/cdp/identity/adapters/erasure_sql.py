"""SQL that takes a person out of the graph: their nodes, profiles, history records and split requests."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, bindparam, delete, select, update

from cdp.identity.adapters.graph_sql import chunks
from cdp.identity.adapters.orm import (
    identifiers,
    merge_records,
    profiles,
    record_profiles,
    split_requests,
)
from cdp.identity.adapters.privacy_sql import Person, family
from cdp.identity.adapters.read_sql import record_of
from cdp.identity.domain.model import Record, RecordKind
from cdp.identity.domain.subject import names_person


def history_of(conn: Connection, person: Person) -> list[tuple[int, Record]]:
    """Every record naming one of the person's profiles or identifier nodes, oldest first.

    A node changes profile only by merge (within the family) or by split, so the records that
    name a node on a profile it has since left are found by following split records back to the
    profiles the person's nodes came from.
    """
    found: dict[int, Record] = {}
    scope: set[str] = set()
    frontier = set(person.profile_ids)
    while frontier:
        scope |= frontier
        fresh = _touching(conn, frontier)
        found.update(fresh)
        sources = {
            before
            for record in fresh.values()
            if record.kind is RecordKind.SPLIT and record.after in scope
            for before in record.before
        }
        frontier = set(family(conn, sources - scope)) - scope
    node_ids = person.node_ids
    return [
        (sequence, record)
        for sequence, record in sorted(found.items())
        if names_person(record, person.profile_ids, node_ids)
    ]


def delete_records(conn: Connection, sequences: Sequence[int]) -> int:
    deleted = 0
    for chunk in chunks(sorted(sequences)):
        conn.execute(delete(record_profiles).where(record_profiles.c.sequence.in_(chunk)))
        deleted += conn.execute(
            delete(merge_records).where(merge_records.c.sequence.in_(chunk))
        ).rowcount
    return deleted


def rewrite_records(conn: Connection, numbered: Sequence[tuple[int, Record]]) -> int:
    if not numbered:
        return 0
    rows = [
        {
            "b_sequence": sequence,
            "b_before": ",".join(record.before),
            "b_after": record.after,
            "b_nodes": ",".join(map(str, record.node_ids)),
        }
        for sequence, record in numbered
    ]
    conn.execute(
        update(merge_records)
        .where(merge_records.c.sequence == bindparam("b_sequence"))
        .values(
            before_profiles=bindparam("b_before"),
            after_profile=bindparam("b_after"),
            node_ids=bindparam("b_nodes"),
            dedupe_key=None,
        ),
        rows,
    )
    return len(rows)


def delete_split_requests(
    conn: Connection, profile_ids: Collection[str], sequences: Collection[int]
) -> int:
    """A split that made one of the person's profiles, or whose record is gone, is forgotten."""
    deleted = 0
    for chunk in chunks(sorted(profile_ids)):
        deleted += conn.execute(
            delete(split_requests).where(split_requests.c.new_profile.in_(chunk))
        ).rowcount
    for chunk in chunks(sorted(sequences)):
        deleted += conn.execute(
            delete(split_requests).where(split_requests.c.record_sequence.in_(chunk))
        ).rowcount
    return deleted


def delete_person(conn: Connection, person: Person) -> tuple[int, int]:
    """Nodes, then profiles and every history link to them; returns (nodes, profiles) deleted."""
    nodes = profiles_deleted = 0
    for chunk in chunks(sorted(person.node_ids)):
        nodes += conn.execute(delete(identifiers).where(identifiers.c.id.in_(chunk))).rowcount
    for chunk in chunks(sorted(person.profile_ids)):
        conn.execute(delete(record_profiles).where(record_profiles.c.profile_id.in_(chunk)))
        profiles_deleted += conn.execute(delete(profiles).where(profiles.c.id.in_(chunk))).rowcount
    return nodes, profiles_deleted


def _touching(conn: Connection, profile_ids: Collection[str]) -> dict[int, Record]:
    found: dict[int, Record] = {}
    for chunk in chunks(sorted(profile_ids)):
        touching = select(record_profiles.c.sequence).where(record_profiles.c.profile_id.in_(chunk))
        rows = conn.execute(select(merge_records).where(merge_records.c.sequence.in_(touching)))
        found.update((row.sequence, record_of(row)) for row in rows)
    return found
