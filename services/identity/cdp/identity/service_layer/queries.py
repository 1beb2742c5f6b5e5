"""Identity's read use cases: look up, list and explain; no lock, values opened by the repository."""

from __future__ import annotations

from cdp.identity.domain import commands
from cdp.identity.domain.errors import IdentifierNotFound, ProfileNotFound, SubjectRestricted
from cdp.identity.domain.model import ExplainedRecord, Identity, profile_name
from cdp.identity.service_layer.unit_of_work import AbstractUnitOfWork, GraphRepository


def lookup_profile(query: commands.LookupProfile, uow: AbstractUnitOfWork) -> str:
    """The live profile id of an identifier (merged-away profiles are followed)."""
    identifier = query.identifier
    blind_index = uow.identifiers.index(identifier.type, identifier.value)
    with uow.read() as repo:
        profile_id = repo.profile_for(identifier.type, blind_index)
        if profile_id is None:
            raise IdentifierNotFound(identifier.type)
        _unrestricted(repo, profile_id)
    return profile_id


def list_profile_identities(
    query: commands.ListProfileIdentities, uow: AbstractUnitOfWork
) -> tuple[str, list[Identity]]:
    with uow.read() as repo:
        profile_id = _unrestricted(
            repo, _live(repo.live_profile(query.profile_id), query.profile_id)
        )
        return profile_id, repo.identities(profile_id)


def explain_profile(
    query: commands.ExplainProfile, uow: AbstractUnitOfWork
) -> tuple[str, list[ExplainedRecord]]:
    """Every record that touched the profile or a profile merged into it, oldest first."""
    with uow.read() as repo:
        profile_id = _unrestricted(
            repo, _live(repo.live_profile(query.profile_id), query.profile_id)
        )
        return profile_id, repo.explain(profile_id)


def _unrestricted(repo: GraphRepository, profile_id: str) -> str:
    """Ordinary reads of a restricted person refuse; ResolveSubject and ExportSubject do not."""
    if repo.restricted(profile_id):
        raise SubjectRestricted()
    return profile_id


def _live(found: str | None, asked: str) -> str:
    if found is None:
        raise ProfileNotFound(profile_name(asked))
    return found
