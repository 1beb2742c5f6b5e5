"""The disclosure log in SQL: who was given whom, the notifications owed when they exit, and acks.

Recipients are callers' token subjects (e.g. "service:mailer"), never personal data. A notification
names the EXITED change (segment, its create_time, version) the recipient must process; erasure
keeps it with the profile id cleared, because that change row is the one that stays.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import BigInteger, Connection, and_, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cdp.pii.subjects import suppression_digest
from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.read_model import insert_ignoring
from cdp.segmentation.domain import membership as mb

d, n, c, seg = orm.disclosures, orm.notifications, orm.changes, orm.segments
# The exits a recipient must be told about (an objection arrives as CONSENT_WITHDRAWN).
NOTIFIED_REASONS = (mb.ERASED, mb.CONSENT_WITHDRAWN, mb.RESTRICTED)
CHANGE_KEY = ["recipient", "segment_id", "segment_created", "version"]
_NEW_COLUMNS = ["recipient", "segment_id", "segment_created", "version", "profile_id", "reason"]


def record(
    conn: Connection, recipient: str, segment_id: str, given: Mapping[str, int], now: int
) -> int:
    """Logs that `recipient` got these profiles (profile -> segment version); returns rows written.

    Fenced people are skipped: nothing may name them once their erasure has begun.
    """
    fenced = _fenced(conn, list(given))
    rows = [
        {
            "recipient": recipient,
            "segment_id": segment_id,
            "profile_id": profile,
            "first_version": version,
            "last_time": now,
        }
        for profile, version in sorted(given.items())  # one lock order for concurrent writers
        if profile not in fenced
    ]
    if rows:
        conn.execute(_upsert_disclosure(conn), rows)
    return len(rows)


def delivered(
    conn: Connection,
    recipient: str,
    segment_id: str,
    created: int,
    exits: Sequence[mb.Change],
    now: int,
) -> None:
    """The recipient's stream sent these exits: its notifications are delivered (made if the
    scheduled sweep has not got to them yet)."""
    profiles = sorted({x.profile_id for x in exits})
    given = set(
        conn.execute(
            select(d.c.profile_id).where(
                d.c.recipient == recipient,
                d.c.segment_id == segment_id,
                d.c.profile_id.in_(profiles),
            )
        ).scalars()
    )
    rows = [
        notification(recipient, segment_id, created, x.version, x.profile_id, x.reason, now)
        | {"delivered": now}
        for x in exits
        if x.profile_id in given
    ]
    if rows:
        conn.execute(insert_ignoring(conn, n, CHANGE_KEY), rows)
    conn.execute(
        update(n)
        .where(_of(recipient, segment_id, created), n.c.version.in_([x.version for x in exits]))
        .where(n.c.delivered.is_(None))
        .values(delivered=now)
    )


def has_open(conn: Connection, recipient: str, segment_id: str, created: int) -> bool:
    query = select(n.c.id).where(_of(recipient, segment_id, created), n.c.acked.is_(None))
    return conn.execute(query.limit(1)).first() is not None


def acknowledge(
    conn: Connection, recipient: str, segment_id: str, created: int, through: int, now: int
) -> int:
    """The recipient resumed after `through`: every notification up to it is processed."""
    statement = (
        update(n)
        .where(_of(recipient, segment_id, created), n.c.version > 0, n.c.version <= through)
        .where(n.c.acked.is_(None))
        .values(acked=now)
    )
    return conn.execute(statement).rowcount or 0


def sweep(conn: Connection, now: int) -> int:
    """Notifications for the exits appended since the last sweep; returns how many were made.

    Callers hold the membership lock, so no change is appended while the cursors move.
    """
    k = orm.notify_progress
    cursors = {
        row.segment_id: (row.segment_created, row.version) for row in conn.execute(select(k))
    }
    made = 0
    for sid, version, created in conn.execute(select(seg.c.id, seg.c.version, seg.c.create_time)):
        done_created, done = cursors.get(sid, (created, 0))
        start = done if done_created == created else 0  # made again: its versions restarted
        if version <= start:
            continue
        made += _notify_exits(conn, sid, created, start, now)
        if sid in cursors:
            conn.execute(
                update(k)
                .where(k.c.segment_id == sid)
                .values(segment_created=created, version=version)
            )
        else:
            conn.execute(insert(k).values(segment_id=sid, segment_created=created, version=version))
    return made


def escalate(conn: Connection, cutoff: int, now: int) -> dict[str, int]:
    """Marks notifications made before `cutoff` and still not acked; returns counts per recipient."""
    overdue = and_(n.c.acked.is_(None), n.c.escalated.is_(None), n.c.created <= cutoff)
    found = conn.execute(
        select(n.c.recipient, func.count()).where(overdue).group_by(n.c.recipient)
    ).all()
    if found:
        conn.execute(update(n).where(overdue).values(escalated=now))
    return {recipient: count for recipient, count in found}


def disclosed(conn: Connection, profiles: Sequence[str]) -> list[dict]:
    """The recipients these profiles were given to (an access request lists them, GDPR Art. 15)."""
    rows = conn.execute(
        select(d)
        .where(d.c.profile_id.in_(list(profiles)))
        .order_by(d.c.recipient, d.c.segment_id, d.c.profile_id)
    ).mappings()
    return [
        {
            "recipient": r["recipient"],
            "segment": f"segments/{r['segment_id']}",
            "profile": f"profiles/{r['profile_id']}",
            "last_time_micros": r["last_time"],
        }
        for r in rows
    ]


def _notify_exits(conn: Connection, sid: str, created: int, start: int, now: int) -> int:
    joined = c.join(d, and_(d.c.segment_id == c.c.segment_id, d.c.profile_id == c.c.profile_id))
    query = (
        select(
            d.c.recipient,
            c.c.segment_id,
            literal(created, BigInteger),
            c.c.version,
            c.c.profile_id,
            c.c.reason,
            literal(now, BigInteger),
        )
        .select_from(joined)
        .where(c.c.segment_id == sid, c.c.version > start, c.c.kind == int(mb.Kind.EXITED))
        .where(c.c.reason.in_(NOTIFIED_REASONS))
    )
    statement = insert_ignoring(conn, n, CHANGE_KEY).from_select([*_NEW_COLUMNS, "created"], query)
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount or 0


def segments_of(conn: Connection, ids: Collection[str]) -> dict[str, tuple[int, int]]:
    """id -> (version, create_time) of those segments that still exist."""
    rows = conn.execute(
        select(seg.c.id, seg.c.version, seg.c.create_time).where(seg.c.id.in_(sorted(ids)))
    )
    return {sid: (version, created) for sid, version, created in rows}


def _fenced(conn: Connection, profiles: Sequence[str]) -> set[str]:
    """Those of the profiles that are fenced (by profile) or blocked as being erased."""
    if not profiles:
        return set()
    by_digest = {suppression_digest("profile", p): p for p in profiles}
    s, b = orm.suppressions, orm.blocked
    found = conn.execute(select(s.c.digest).where(s.c.digest.in_(list(by_digest)))).scalars()
    fenced = {by_digest[digest] for digest in found}
    erased = conn.execute(
        select(b.c.profile_id).where(
            b.c.profile_id.in_(list(profiles)), b.c.kind == mb.BLOCK_ERASED
        )
    ).scalars()
    return fenced | set(erased)


def _upsert_disclosure(conn: Connection):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(d)
    return statement.on_conflict_do_update(
        index_elements=["recipient", "segment_id", "profile_id"],
        set_={"last_time": statement.excluded.last_time},
    )


def _of(recipient: str, segment_id: str, created: int):
    return and_(
        n.c.recipient == recipient, n.c.segment_id == segment_id, n.c.segment_created == created
    )


def notification(
    recipient: str, segment_id: str, created: int, version: int, profile: str, reason: str, now: int
) -> dict:
    return {
        "recipient": recipient,
        "segment_id": segment_id,
        "segment_created": created,
        "version": version,
        "profile_id": profile,
        "reason": reason,
        "created": now,
    }
