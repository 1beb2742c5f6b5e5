"""Set-based SQL for resolving a batch: one SELECT .. IN per lookup, executemany per kind of write.

Ciphertext passes through here as opaque bytes; sealing and opening happen in repository.py only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from cdp.identity.adapters.orm import (
    id_counters,
    identifiers,
    merge_records,
    processed_messages,
    profiles,
    record_profiles,
)
from cdp.identity.domain.graph import Counters
from cdp.identity.domain.model import Node, Profile, Record

CHUNK = (
    5000  # bound parameters per IN list, inside SQLite's (32766) and PostgreSQL's (65535) limits
)
# Nodes loaded for resolution are never re-written, so their link time is not read.
_LOADED = datetime.min.replace(tzinfo=UTC)
NODE_COLUMNS = (
    identifiers.c.id,
    identifiers.c.type,
    identifiers.c.blind_index,
    identifiers.c.subject_id,
    identifiers.c.profile_id,
    identifiers.c.link_time,
    identifiers.c.message_id,
    identifiers.c.blocked,
)


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def processed(conn: Connection, keys: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (source, message_id) pairs were already resolved."""
    table = processed_messages
    message_ids = sorted({message_id for _, message_id in keys})
    found: set[tuple[str, str]] = set()
    for chunk in chunks(message_ids):
        rows = conn.execute(
            select(table.c.source, table.c.message_id).where(table.c.message_id.in_(chunk))
        )
        found.update(rows.tuples())
    return found & set(keys)


def insert_processed(conn: Connection, keys: Iterable[tuple[str, str]]) -> None:
    rows = [{"source": source, "message_id": message_id} for source, message_id in keys]
    if rows:
        conn.execute(insert(processed_messages), rows)


def load_nodes(conn: Connection, blind_indexes: Collection[bytes]) -> list[Node]:
    """Every node on these blind indexes (all types: user_id and anonymous_id share a namespace).

    Only what resolution needs is read: this is the hot path of every batch.
    """
    table = identifiers
    columns = (table.c.id, table.c.type, table.c.blind_index, table.c.profile_id, table.c.blocked)
    nodes: list[Node] = []
    for chunk in chunks(sorted(set(blind_indexes))):
        rows = conn.execute(select(*columns).where(table.c.blind_index.in_(chunk))).tuples()
        nodes.extend(
            Node(node_id, id_type, bi, b"", "", profile_id, _LOADED, "", blocked)
            for node_id, id_type, bi, profile_id, blocked in rows
        )
    return nodes


def load_profiles(conn: Connection, profile_ids: Collection[str]) -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    ordered = sorted(profile_ids)
    for chunk in chunks(ordered):
        rows = conn.execute(
            select(profiles.c.id, profiles.c.seq, profiles.c.merged_into).where(
                profiles.c.id.in_(chunk)
            )
        )
        found.update({pid: Profile(pid, seq, Counter(), merged) for pid, seq, merged in rows})
        counts = conn.execute(
            select(identifiers.c.profile_id, identifiers.c.type, func.count())
            .where(identifiers.c.profile_id.in_(chunk))
            .group_by(identifiers.c.profile_id, identifiers.c.type)
        )
        for pid, id_type, count in counts:
            found[pid].counts[id_type] = count
    return found


def read_counters(conn: Connection) -> Counters:
    values = dict(conn.execute(select(id_counters.c.name, id_counters.c.value)).all())
    return Counters(node=values["node"], profile=values["profile"], record=values["record"])


def write_counters(conn: Connection, counters: Counters) -> None:
    rows = [
        {"b_name": name, "b_value": getattr(counters, name)}
        for name in ("node", "profile", "record")
    ]
    conn.execute(
        update(id_counters)
        .where(id_counters.c.name == bindparam("b_name"))
        .values(value=bindparam("b_value")),
        rows,
    )


def insert_profiles(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(profiles), rows)


def insert_nodes(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(identifiers), rows)


def apply_merges(conn: Connection, moves: dict[str, str]) -> None:
    """Re-points identifiers and flattens merged_into, so every old name reaches the live profile."""
    if not moves:
        return
    rows = [{"b_from": absorbed, "b_to": survivor} for absorbed, survivor in moves.items()]
    conn.execute(
        update(identifiers)
        .where(identifiers.c.profile_id == bindparam("b_from"))
        .values(profile_id=bindparam("b_to")),
        rows,
    )
    conn.execute(
        update(profiles)
        .where(
            or_(profiles.c.id == bindparam("b_from"), profiles.c.merged_into == bindparam("b_from"))
        )
        .values(merged_into=bindparam("b_to")),
        rows,
    )


def apply_moves(conn: Connection, nodes: Sequence[Node]) -> None:
    if not nodes:
        return
    rows = [
        {"b_id": n.id, "b_profile": n.profile_id, "b_time": n.linked_at, "b_message": n.message_id}
        for n in nodes
    ]
    conn.execute(
        update(identifiers)
        .where(identifiers.c.id == bindparam("b_id"))
        .values(
            profile_id=bindparam("b_profile"),
            link_time=bindparam("b_time"),
            message_id=bindparam("b_message"),
        ),
        rows,
    )


def existing_dedupe_keys(conn: Connection, keys: Collection[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(sorted(keys)):
        rows = conn.execute(
            select(merge_records.c.dedupe_key).where(merge_records.c.dedupe_key.in_(chunk))
        )
        found.update(key for (key,) in rows)
    return found


def insert_records(conn: Connection, numbered: list[tuple[int, Record]]) -> None:
    if not numbered:
        return
    conn.execute(insert(merge_records), [_record_row(seq, record) for seq, record in numbered])
    links = [
        {"profile_id": pid, "sequence": seq}
        for seq, record in numbered
        for pid in sorted({*record.before, record.after} - {""})
    ]
    if links:
        conn.execute(insert(record_profiles), links)


def _record_row(sequence: int, record: Record) -> dict:
    return {
        "sequence": sequence,
        "kind": record.kind.value,
        "rule": record.rule,
        "message_id": record.message_id,
        "create_time": record.time,
        "before_profiles": ",".join(record.before),
        "after_profile": record.after,
        "node_ids": ",".join(map(str, record.node_ids)),
        "reason": record.reason,
        "dedupe_key": record.dedupe_key,
    }
