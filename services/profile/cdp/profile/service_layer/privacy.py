"""The profile service's share of data-subject requests: fence, erase, export, restrict."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from cdp.pii.subjects import request_label
from cdp.profile.domain.book import ProfileBook
from cdp.profile.domain.privacy import (
    Erasure,
    RestrictSubject,
    SubjectRequest,
    export_document,
)
from cdp.profile.service_layer.handlers import recompute
from cdp.profile.service_layer.unit_of_work import AbstractUnitOfWork

log = logging.getLogger("cdp.profile")

PurgeKeys = Callable[[Sequence[str]], None]


def fence_subject(cmd: SubjectRequest, uow: AbstractUnitOfWork, purge_keys: PurgeKeys) -> int:
    """Purges the subject's keys from this process's cache and fences it; new entries count."""
    purge_keys(sorted(cmd.subject.subject_ids))
    with uow:
        added = uow.suppressions.add(cmd.subject)
        uow.commit()
    log.info("fenced %s: %d new suppression entries", request_label(cmd.request), added)
    return added


def erase_subject(cmd: SubjectRequest, uow: AbstractUnitOfWork) -> dict[str, int]:
    """Deletes every row of the subject in one transaction; a repeat finds nothing (zero counts)."""
    subject = cmd.subject
    with uow:
        names = uow.subjects.profile_ids(subject.profile_ids)
        erased = uow.subjects.erase(names, subject.subject_ids)
        uow.restrictions.forget(subject, names)
        # Undelivered updates to segmentation name the subject too: they go with the rest.
        scrubbed = uow.feed.forget(names, subject.subject_ids)
        _repair(erased, set(names), uow)
        uow.commit()
    uow.reclaim()
    counts = {**erased.counts(), "feed_updates": scrubbed}
    log.info(
        "erased %s: %d profiles, %d traits, %d events, %d computed traits, %d feed updates",
        request_label(cmd.request),
        counts["profiles"],
        counts["traits"],
        counts["events"],
        counts["computed_traits"],
        scrubbed,
    )
    return counts


def _repair(erased: Erasure, names: set[str], uow: AbstractUnitOfWork) -> None:
    """Other profiles that lost rows or absorbed an erased name: rebuilt without the subject."""
    if not erased.touched:
        return
    book = ProfileBook(uow.profiles.load(erased.touched))
    for profile_id in erased.touched:
        state = book.state(profile_id)
        state.merged_profiles = [p for p in state.merged_profiles if p not in names]
    recompute(book, erased.touched, uow)
    uow.profiles.save(book.touched())


def export_subject(cmd: SubjectRequest, uow: AbstractUnitOfWork) -> dict[str, Any]:
    """Everything held on the subject, opened; restricted subjects are exported too."""
    with uow:
        names = uow.subjects.profile_ids(cmd.subject.profile_ids)
        data = uow.subjects.export(names, cmd.subject.subject_ids)
    log.info(
        "exported %s: %d profiles, %d traits, %d events",
        request_label(cmd.request),
        len(data.profiles),
        len(data.traits),
        len(data.events),
    )
    return export_document(data)


def restrict_subject(cmd: RestrictSubject, uow: AbstractUnitOfWork) -> int:
    """Records or lifts the restriction; how many records changed (a repeat changes none)."""
    with uow:
        changed = uow.restrictions.set(cmd.subject, cmd.restricted)
        uow.commit()
    action = "restricted" if cmd.restricted else "lifted restriction of"
    log.info("%s %s: %d records changed", action, request_label(cmd.request), changed)
    return changed
