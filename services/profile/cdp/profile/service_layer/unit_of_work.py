"""The unit of work: one transaction per use case, repositories bound to it."""

from __future__ import annotations

import abc
from typing import Self

from cdp.profile.service_layer.ports import (
    ComputedTraitRepository,
    EventRepository,
    ProfileFeed,
    ProfileRepository,
    Progress,
    RestrictionRepository,
    SubjectRepository,
    SuppressionRepository,
    TraitRepository,
)


class AbstractUnitOfWork(abc.ABC):
    """`with uow:` opens the transaction; leaving without commit() rolls it back."""

    profiles: ProfileRepository
    events: EventRepository
    traits: TraitRepository
    progress: Progress
    suppressions: SuppressionRepository
    restrictions: RestrictionRepository
    subjects: SubjectRepository
    computed: ComputedTraitRepository
    feed: ProfileFeed

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None:
        """Writes what the feed queued (one outbox entry) and commits it with everything else."""

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def reclaim(self) -> None:
        """After a committed erasure: pushes freed pages out of any write-ahead log (if one)."""
