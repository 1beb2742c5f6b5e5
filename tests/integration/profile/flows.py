"""Drives the profile use cases the way the servicer does (proto request -> command -> handler)."""

from __future__ import annotations

from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.profile import mapping
from cdp.profile.bootstrap import App
from cdp.profile.domain.commands import GetProfile, ListProfileEvents
from cdp.profile.domain.model import ProfileView, TimelineEvent
from cdp.profile.domain.privacy import RestrictSubject, Subject, SubjectRequest
from cdp.profile.service_layer import handlers, privacy, queries

NO_IDENTITIES = frozenset(
    {
        "name",
        "traits",
        "merged_profiles",
        "groups",
        "event_count",
        "first_seen_time",
        "last_seen_time",
    }
)


def apply(app: App, request: pb.ApplyProfileChangesRequest) -> handlers.Applied:
    return handlers.apply_changes(mapping.apply_command(request), app.new_uow(write=True))


def read(app: App, profile_id: str) -> ProfileView:
    return queries.get_profile(
        GetProfile(profile_id, None, NO_IDENTITIES), app.new_uow(), identity=None
    )  # type: ignore[arg-type]


def traits(app: App, profile_id: str) -> dict[str, object]:
    return {t.key: t.value for t in read(app, profile_id).traits}


def timeline(app: App, profile_id: str, page_size: int = 1000) -> list[TimelineEvent]:
    query = ListProfileEvents(profile_id, page_size, "", frozenset(), None, None)
    events, _token = queries.list_profile_events(query, app.new_uow())
    return events


REQUEST = "dataSubjectRequests/test-1"


def fence(app: App, subject: Subject) -> int:
    command = SubjectRequest(REQUEST, subject)
    return privacy.fence_subject(command, app.new_uow(write=True), app.purge_keys)


def erase(app: App, subject: Subject) -> dict[str, int]:
    return privacy.erase_subject(SubjectRequest(REQUEST, subject), app.new_uow(write=True))


def export(app: App, subject: Subject) -> dict:
    return privacy.export_subject(SubjectRequest(REQUEST, subject), app.new_uow())


def restrict(app: App, subject: Subject, restricted: bool = True) -> int:
    command = RestrictSubject(REQUEST, subject, restricted)
    return privacy.restrict_subject(command, app.new_uow(write=True))
