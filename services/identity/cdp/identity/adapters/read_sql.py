"""SQL for identity's reads (lookups, identities, history) and split requests; ciphertext stays opaque."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, Row, insert, select

from cdp.identity.adapters.graph_sql import NODE_COLUMNS, chunks, utc
from cdp.identity.adapters.orm import (
    identifiers,
    merge_records,
    profiles,
    record_profiles,
    split_requests,
)
from cdp.identity.domain.model import Record, RecordKind


def node_for(conn: Connection, types: Sequence[str], blind_index: bytes) -> Row | None:
    return conn.execute(
        select(identifiers.c.profile_id, identifiers.c.blocked)
        .where(identifiers.c.blind_index == blind_index, identifiers.c.type.in_(types))
        .order_by(identifiers.c.id)
        .limit(1)
    ).first()


def live_profile(conn: Connection, profile_id: str) -> str | None:
    """The profile itself, or the one it was merged into (merged_into is kept flat)."""
    row = conn.execute(
        select(profiles.c.id, profiles.c.merged_into).where(profiles.c.id == profile_id)
    ).first()
    if row is None:
        return None
    return row.merged_into or row.id


def absorbed_by(conn: Connection, profile_id: str) -> list[str]:
    return list(
        conn.execute(select(profiles.c.id).where(profiles.c.merged_into == profile_id)).scalars()
    )


def sealed_nodes_of(conn: Connection, profile_id: str) -> list[Row]:
    return list(
        conn.execute(
            select(*NODE_COLUMNS, identifiers.c.value_ct)
            .where(identifiers.c.profile_id == profile_id)
            .order_by(identifiers.c.link_time, identifiers.c.id)
        )
    )


def sealed_nodes_by_id(conn: Connection, node_ids: Collection[int]) -> list[Row]:
    rows: list[Row] = []
    for chunk in chunks(sorted(node_ids)):
        rows.extend(
            conn.execute(
                select(*NODE_COLUMNS, identifiers.c.value_ct).where(identifiers.c.id.in_(chunk))
            )
        )
    return rows


def records_touching(conn: Connection, profile_ids: Collection[str]) -> list[tuple[int, Record]]:
    touching = select(record_profiles.c.sequence).where(
        record_profiles.c.profile_id.in_(sorted(profile_ids))
    )
    rows = conn.execute(
        select(merge_records)
        .where(merge_records.c.sequence.in_(touching))
        .order_by(merge_records.c.sequence)
    )
    return [(row.sequence, record_of(row)) for row in rows]


def record_at(conn: Connection, sequence: int) -> Record | None:
    row = conn.execute(select(merge_records).where(merge_records.c.sequence == sequence)).first()
    return record_of(row) if row is not None else None


def split_request(conn: Connection, request_id: str) -> tuple[str, int] | None:
    row = conn.execute(
        select(split_requests.c.new_profile, split_requests.c.record_sequence).where(
            split_requests.c.request_id == request_id
        )
    ).first()
    return (row.new_profile, row.record_sequence) if row is not None else None


def insert_split_request(
    conn: Connection, request_id: str, new_profile: str, sequence: int
) -> None:
    conn.execute(
        insert(split_requests).values(
            request_id=request_id, new_profile=new_profile, record_sequence=sequence
        )
    )


def record_of(row: Row) -> Record:
    before = tuple(p for p in row.before_profiles.split(",") if p)
    node_ids = tuple(int(n) for n in row.node_ids.split(",") if n)
    return Record(
        RecordKind(row.kind),
        row.rule,
        row.message_id,
        utc(row.create_time),
        before,
        row.after_profile,
        node_ids,
        row.reason,
        row.dedupe_key,
    )
