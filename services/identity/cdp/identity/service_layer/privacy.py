"""Identity's share of data-subject requests: resolve a person, fence, erase, export, restrict.

Log lines carry request names and counts only, never identifiers, blind indexes or subject ids.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from cdp.identity.domain.rules import Rules
from cdp.identity.domain.subject import (
    ResolveSubject,
    RestrictSubject,
    SubjectExport,
    SubjectRequest,
)
from cdp.identity.service_layer.unit_of_work import AbstractUnitOfWork
from cdp.pii.subjects import Subject, request_label

log = logging.getLogger("cdp.identity")


def resolve_subject(cmd: ResolveSubject, uow: AbstractUnitOfWork, rules: Rules) -> Subject:
    """Every profile name, blind index and subject id of the person; creates nothing.

    Each requested identifier is named even when the graph never saw it, so a person who never
    reached identity can still be erased everywhere else. Blocked values name nobody.
    """
    wanted = [
        (i.type, uow.identifiers.index(i.type, i.value))
        for i in cmd.identifiers
        if not rules.is_blocked_value(i.value)
    ]
    with uow.privacy() as repo:
        found = repo.resolve(wanted, cmd.profile_ids)
    return Subject(
        found.subject_ids | {uow.identifiers.subject_id(bi) for _, bi in wanted},
        found.blind_indexes | {bi for _, bi in wanted},
        found.profile_ids,
    )


def fence_subject(cmd: SubjectRequest, uow: AbstractUnitOfWork) -> int:
    """Suppresses the person from now on and drops their cached keys; returns new suppression entries."""
    with uow.privacy(write=True) as repo:
        whole, added = repo.suppress(cmd.subject, _now())
    uow.identifiers.forget(whole.subject_ids, whole.blind_indexes)
    log.info("fenced for %s: %d new suppression entries", request_label(cmd.request), added)
    return added


def erase_subject(cmd: SubjectRequest, uow: AbstractUnitOfWork) -> dict[str, int]:
    """Deletes everything on the person but their suppression entries; a repeat counts zeros."""
    with uow.privacy(write=True) as repo:
        whole, counts = repo.erase(cmd.subject, _now())
    uow.compact()
    uow.identifiers.forget(whole.subject_ids, whole.blind_indexes)
    log.info("erased for %s: %s", request_label(cmd.request), counts)
    return counts


def export_subject(cmd: SubjectRequest, uow: AbstractUnitOfWork) -> SubjectExport:
    """Everything held on the person, opened; restriction does not apply (compliance path)."""
    with uow.privacy() as repo:
        found = repo.export(cmd.subject)
    log.info(
        "exported for %s: %d profiles, %d identities, %d records",
        request_label(cmd.request),
        len(found.profiles),
        len(found.identities),
        len(found.records),
    )
    return found


def restrict_subject(cmd: RestrictSubject, uow: AbstractUnitOfWork) -> int:
    with uow.privacy(write=True) as repo:
        changed = repo.restrict(cmd.subject, cmd.restricted, _now())
    log.info(
        "%s for %s: %d records changed",
        "restricted" if cmd.restricted else "restriction lifted",
        request_label(cmd.request),
        changed,
    )
    return changed


def _now() -> datetime:
    return datetime.now(UTC)
