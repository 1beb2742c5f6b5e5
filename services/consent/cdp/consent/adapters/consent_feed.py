"""The consent outbox's writes: which subjects segmentation must re-check, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.consent.adapters.consent_orm import consent_outbox
from cdp.db import outbox


def append_changes(
    conn: Connection, subject_ids: Iterable[str], profiles: Iterable[str] = ()
) -> int | None:
    """One entry naming these subjects, committed or rolled back with the change that caused it.

    Callers append last in their transaction: the outbox's PostgreSQL lock is taken after the audit
    and key locks everywhere, so writers never wait on each other in a cycle.
    """
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return None
    return outbox.append(conn, consent_outbox, encode(ids, list(profiles)), len(ids))


def forget_subjects(conn: Connection, subject_ids: Iterable[str]) -> int:
    """Erasure: no entry may still name these subjects (T10). Returns how many entries changed.

    Delivered entries are pruned at once, so only the few not yet delivered are read here; an entry
    left naming nobody is deleted (segmentation's own erasure task removes the person there).
    """
    erased = set(subject_ids)

    def without(payload: bytes) -> outbox.Rewritten:
        kept = [s for s in decode(payload) if s not in erased]
        return (encode(kept, decode_profiles(payload)), len(kept)) if kept else None

    return outbox.rewrite(conn, consent_outbox, [s.encode() for s in erased], without)


def encode(subject_ids: list[str], profiles: list[str] = ()) -> bytes:
    request = feed_pb.ApplyConsentUpdatesRequest(subject_ids=subject_ids, profiles=profiles)
    return request.SerializeToString()


def decode_profiles(payload: bytes) -> list[str]:
    return list(feed_pb.ApplyConsentUpdatesRequest.FromString(payload).profiles)


def decode(payload: bytes) -> list[str]:
    return list(feed_pb.ApplyConsentUpdatesRequest.FromString(payload).subject_ids)
