"""Segmentation's share of data-subject requests: fence, erase, export, restrict.

The fence takes the person out of every segment at once (watchers see EXITED / ERASED before the
erasure completes) and drops later feed updates naming them. Erasure deletes their read model rows,
memberships and history; only the EXITED / ERASED changes stay, because downstream systems that
copied the audience must learn to drop the person (GDPR Art. 19), and they name only a random
profile id that no service can link to anyone any more.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, func, select

from cdp.db import truncate_wal, write_transaction
from cdp.pii.subjects import Subject
from cdp.segmentation.adapters import disclosures, erasure_notices, orm
from cdp.segmentation.adapters.computed import forget_profiles, values_of
from cdp.segmentation.adapters.definitions import Definitions
from cdp.segmentation.adapters.membership import exit_everywhere
from cdp.segmentation.adapters.read_model import ReadModel, fence_digests, insert_ignoring
from cdp.segmentation.domain import membership as mb
from cdp.segmentation.domain.updates import Touched
from cdp.segmentation.service_layer import recipients
from cdp.segmentation.service_layer.context import MEMBERSHIP_LOCK, Context
from cdp.segmentation.service_layer.realtime import purposes_in_use, recheck, store_consent

PROFILE_TABLES = (
    orm.events,
    orm.traits,
    orm.subjects,
    orm.consent,
    orm.computed_values,
    orm.members,
    orm.evaluation,
    orm.blocked,
)


def fence_subject(ctx: Context, subject: Subject) -> int:
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        digests = fence_digests(subject.subject_ids, subject.profile_ids)
        if digests:  # blind indexes alone name nothing segmentation holds (and `VALUES ()` fails)
            conn.execute(
                insert_ignoring(conn, orm.suppressions, ["digest"]),
                [{"digest": d} for d in digests],
            )
        profiles = _profiles(conn, subject)
        _block(conn, profiles, mb.BLOCK_ERASED)
        exit_everywhere(conn, profiles, mb.ERASED, ctx.clock())
        # Every recipient that was given them is owed that exit (GDPR Art. 19).
        erasure_notices.notify_erasure(conn, profiles, ctx.clock())
    ctx.notifier.pulse()
    return len(digests)


def erase_subject(ctx: Context, subject: Subject, request: str = "") -> dict[str, int]:
    """Deletes the person's rows; counts also hold recipients.NOTIFIED + recipient per recipient
    told of the erasure (the same for a repeat of the same request)."""
    counts: dict[str, int] = {}
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        profiles = _profiles(conn, subject)
        exit_everywhere(conn, profiles, mb.ERASED, ctx.clock())
        counts.update(recipients.erase(conn, profiles, request, ctx.clock()))
        ids = sorted(subject.subject_ids)
        for table in (orm.events, orm.traits, orm.subjects):
            counts[table.name] = _delete(conn, table, table.c.subject_id, ids)
        for table in PROFILE_TABLES:
            counts[table.name] = counts.get(table.name, 0) + _delete(
                conn, table, table.c.profile_id, profiles
            )
        c = orm.changes
        counts[c.name] = conn.execute(
            delete(c).where(c.c.profile_id.in_(profiles), c.c.reason != mb.ERASED)
        ).rowcount
        counts[orm.profiles.name] = _delete(conn, orm.profiles, orm.profiles.c.id, profiles)
        counts[orm.outbox.name] = forget_profiles(conn, profiles)
    truncate_wal(ctx.engine)  # SQLite's WAL still holds the deleted rows' old page images
    ctx.notifier.pulse()
    return {name: count for name, count in counts.items() if count}


def export_subject(ctx: Context, subject: Subject) -> dict:
    with ctx.engine.connect() as conn:
        profiles = _profiles(conn, subject)
        return {
            "service": "segmentation",
            "segments": _memberships(conn, profiles),
            "membership_history": _history(conn, profiles),
            "computed_traits": values_of(conn, profiles),
            "disclosed_to": disclosures.disclosed(conn, profiles),
            "events_held": _count(conn, orm.events, profiles),
            "traits_held": _count(conn, orm.traits, profiles),
        }


def restrict_subject(ctx: Context, subject: Subject, restricted: bool) -> int:
    """Restricted people leave every segment (RESTRICTED); lifting it lets them back in."""
    answers = {} if restricted else _current_consent(ctx, subject)
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        profiles = _profiles(conn, subject)
        if restricted:
            _block(conn, profiles, mb.BLOCK_RESTRICTED)
        else:
            b = orm.blocked
            conn.execute(
                delete(b).where(b.c.profile_id.in_(profiles), b.c.kind == mb.BLOCK_RESTRICTED)
            )
            store_consent(conn, answers, ctx.clock())
        touched = Touched(profiles=set(profiles), reshaped=set(profiles))
        recheck(conn, ctx, touched, include_computed=False, regained=mb.UNRESTRICTED)
        disclosures.sweep(conn, ctx.clock())  # recipients given them are owed the RESTRICTED exit
    ctx.notifier.pulse()
    return len(profiles)


def _current_consent(ctx: Context, subject: Subject) -> dict[tuple[str, str], bool]:
    """Consent as it stands at the lift: what consent answered during the restriction was "no"
    (CheckConsent refuses restricted people), and the re-admission must not rest on it."""
    with ctx.engine.connect() as conn:
        profiles = _profiles(conn, subject)
        purposes = purposes_in_use(Definitions(conn).segments())
    if not profiles or not purposes:
        return {}
    return ctx.consent.check(profiles, purposes) or {}  # None: consent is down, the cache stands


def _profiles(conn: Connection, subject: Subject) -> list[str]:
    named = set(subject.profile_ids)
    if subject.subject_ids:
        named.update(ReadModel(conn).profiles_of_subjects(sorted(subject.subject_ids)))
    return sorted(named)


def _block(conn: Connection, profiles: Sequence[str], kind: str) -> None:
    """Marks profiles blocked; erased wins over restricted."""
    b = orm.blocked
    if kind == mb.BLOCK_ERASED:
        conn.execute(delete(b).where(b.c.profile_id.in_(list(profiles))))
    rows = [{"profile_id": p, "kind": kind} for p in profiles]
    if rows:
        conn.execute(insert_ignoring(conn, b, ["profile_id"]), rows)


def _delete(conn: Connection, table, column, values: Sequence[str]) -> int:
    if not values:
        return 0
    return conn.execute(delete(table).where(column.in_(list(values)))).rowcount or 0


def _memberships(conn: Connection, profiles: list[str]) -> list[dict]:
    m = orm.members
    rows = conn.execute(
        select(m.c.segment_id, m.c.profile_id, m.c.excluded).where(m.c.profile_id.in_(profiles))
    )
    definitions = Definitions(conn)
    found = []
    for segment_id, profile_id, excluded in rows:
        segment = definitions.segment(segment_id)
        found.append(
            {
                "segment": f"segments/{segment_id}",
                "display_name": segment.display_name if segment else "",
                "purpose": segment.purpose if segment else "",
                "profile": f"profiles/{profile_id}",
                "member": not excluded,
            }
        )
    return found


def _history(conn: Connection, profiles: list[str]) -> list[dict]:
    c = orm.changes
    # The EXITED / ERASED changes outlive an erasure on purpose (see above): not the person's data.
    rows = conn.execute(
        select(c)
        .where(c.c.profile_id.in_(profiles), c.c.reason != mb.ERASED)
        .order_by(c.c.time, c.c.version)
    ).mappings()
    return [
        {
            "segment": f"segments/{r['segment_id']}",
            "profile": f"profiles/{r['profile_id']}",
            "change": mb.Kind(r["kind"]).name,
            "reason": r["reason"],
            "time_micros": r["time"],
        }
        for r in rows
    ]


def _count(conn: Connection, table, profiles: list[str]) -> int:
    query = select(func.count()).select_from(table).where(table.c.profile_id.in_(profiles))
    return conn.execute(query).scalar_one()
