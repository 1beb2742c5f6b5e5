"""Read use cases: profiles by name or identifier, batches of profiles, paged timelines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdp.errors import InvalidArgument, field_required
from cdp.pii import IDENTIFIER_TYPES, InvalidIdentifier, normalize
from cdp.pii.normalize import CUSTOM_TYPE
from cdp.profile.domain import paging
from cdp.profile.domain.commands import (
    BatchGetProfiles,
    GetProfile,
    IdentifierRef,
    ListProfileEvents,
    profile_name,
)
from cdp.profile.domain.errors import ProfileNotFound, SubjectRestricted
from cdp.profile.domain.model import ProfileState, ProfileView, TimelineEvent
from cdp.profile.service_layer.ports import IdentityDirectory
from cdp.profile.service_layer.unit_of_work import AbstractUnitOfWork


def get_profile(
    query: GetProfile, uow: AbstractUnitOfWork, identity: IdentityDirectory
) -> ProfileView:
    if query.profile_id is not None:
        profile_id = query.profile_id
    elif query.identifier is not None:
        profile_id = identity.lookup_profile(_checked(query.identifier))
    else:
        raise field_required("name")
    return _read([profile_id], query.fields, uow, identity)[0]


def batch_get_profiles(
    query: BatchGetProfiles, uow: AbstractUnitOfWork, identity: IdentityDirectory
) -> list[ProfileView]:
    return _read(query.profile_ids, query.fields, uow, identity)


def list_profile_events(
    query: ListProfileEvents, uow: AbstractUnitOfWork
) -> tuple[list[TimelineEvent], str]:
    after = paging.decode(query.page_token, query) if query.page_token else None
    with uow:
        state = uow.profiles.current([query.profile_id]).get(query.profile_id)
        if state is None:
            raise ProfileNotFound(profile_name(query.profile_id))
        _unrestricted([query.profile_id], {query.profile_id: state}, uow)
        events, cursor = uow.events.page(state.id, query, after)
    return events, paging.encode(cursor, query) if cursor else ""


def _read(
    profile_ids: Sequence[str],
    fields: frozenset[str],
    uow: AbstractUnitOfWork,
    identity: IdentityDirectory,
) -> list[ProfileView]:
    # Identity answers while the database is read: a profile read costs one round trip, not two.
    pending = identity.request_identities(profile_ids) if _wants(fields, "identities") else None
    with uow:
        states = uow.profiles.current(profile_ids)
        missing = next((p for p in profile_ids if p not in states), None)
        if missing is not None:
            raise ProfileNotFound(profile_name(missing))
        _unrestricted(profile_ids, states, uow)
        live = sorted({state.id for state in states.values()})
        traits = uow.traits.for_profiles(live) if _wants(fields, "traits") else {}
        computed = uow.computed.for_profiles(live) if _wants(fields, "computed_traits") else {}
    identities = pending() if pending is not None else {}
    return [
        ProfileView(
            states[p],
            traits.get(states[p].id, []),
            identities.get(p, []),
            fields,
            computed.get(states[p].id, []),
        )
        for p in profile_ids
    ]


def _unrestricted(
    requested: Sequence[str], states: Mapping[str, ProfileState], uow: AbstractUnitOfWork
) -> None:
    """Reads of a restricted subject's profile answer SUBJECT_RESTRICTED (storage goes on)."""
    blocked = uow.restrictions.blocking(requested, states)
    if blocked is not None:
        raise SubjectRestricted(profile_name(blocked))


def _wants(fields: frozenset[str], name: str) -> bool:
    return not fields or name in fields


def _checked(identifier: IdentifierRef) -> IdentifierRef:
    """Validates with the suite's one normaliser so a bad value fails here, naming the field."""
    if not identifier.type:
        raise field_required("identifier.type")
    if identifier.type not in IDENTIFIER_TYPES and not CUSTOM_TYPE.match(identifier.type):
        # Checked before normalize(), whose messages repeat the type (unbounded, caller-chosen).
        raise InvalidArgument(
            "UNKNOWN_IDENTIFIER_TYPE",
            "identifier type must be lower_snake_case",
            field="identifier.type",
        )
    try:
        normalize(identifier.type, identifier.value)
    except InvalidIdentifier as exc:
        field = "identifier.type" if exc.reason == "UNKNOWN_IDENTIFIER_TYPE" else "identifier.value"
        raise InvalidArgument(exc.reason, str(exc), field=field) from exc
    return identifier
