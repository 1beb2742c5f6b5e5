"""ApplyComputedTraits: segmentation's computed values stored on the live profiles they name."""

from __future__ import annotations

import logging

from cdp.profile.domain.commands import ApplyComputedTraits, ComputedTraitChange
from cdp.profile.service_layer.unit_of_work import AbstractUnitOfWork

log = logging.getLogger("cdp.profile")


def apply_computed_traits(cmd: ApplyComputedTraits, uow: AbstractUnitOfWork) -> int:
    """One transaction; how many values were stored or removed.

    A merged-away name stands for its survivor. Values for profiles that do not exist (never seen,
    or erased since segmentation computed them) are dropped: storing them would bring them back.
    """
    with uow:
        live = uow.profiles.current(change.profile_id for change in cmd.values)
        known = [
            ComputedTraitChange(live[change.profile_id].id, change.key, change.trait)
            for change in cmd.values
            if change.profile_id in live
        ]
        applied = uow.computed.apply(_newest_of_each(known))
        uow.commit()
    if len(known) < len(cmd.values):
        log.info("dropped %d computed values of unknown profiles", len(cmd.values) - len(known))
    return applied


def _newest_of_each(changes: list[ComputedTraitChange]) -> list[ComputedTraitChange]:
    """Per profile and key, the value with the newest compute_time (the later on ties); a removal
    replaces whatever came before it in the request."""
    best: dict[tuple[str, str], ComputedTraitChange] = {}
    for change in changes:
        slot = (change.profile_id, change.key)
        current = best.get(slot)
        if current is None or _supersedes(change, current):
            best[slot] = change
    return list(best.values())


def _supersedes(change: ComputedTraitChange, current: ComputedTraitChange) -> bool:
    if change.trait is None or current.trait is None:
        return True
    return change.trait.compute_time >= current.trait.compute_time
