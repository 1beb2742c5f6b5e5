"""ProfileService over gRPC: proto to command, one handler call, read model to proto."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.api.profile.v1 import profile_service_pb2_grpc as pb_grpc
from cdp.grpcx import access
from cdp.profile import mapping
from cdp.profile.bootstrap import App
from cdp.profile.domain.commands import profile_name
from cdp.profile.service_layer import computed, handlers, queries

_METHODS = f"/{pb.DESCRIPTOR.services_by_name['ProfileService'].full_name}/"


class ProfileServicer(pb_grpc.ProfileServiceServicer):
    def __init__(self, app: App) -> None:
        self._app = app

    def GetProfile(
        self, request: pb.GetProfileRequest, context: grpc.ServicerContext
    ) -> pb.GetProfileResponse:
        view = queries.get_profile(
            mapping.get_query(request), self._app.new_uow(), self._app.identity
        )
        self._audit("GetProfile", [view.state.id])
        response = pb.GetProfileResponse()
        mapping.fill_profile(response.profile, view)
        return response

    def BatchGetProfiles(
        self, request: pb.BatchGetProfilesRequest, context: grpc.ServicerContext
    ) -> pb.BatchGetProfilesResponse:
        views = queries.batch_get_profiles(
            mapping.batch_query(request), self._app.new_uow(), self._app.identity
        )
        self._audit("BatchGetProfiles", [view.state.id for view in views])
        response = pb.BatchGetProfilesResponse()
        for view in views:
            mapping.fill_profile(response.profiles.add(), view)
        return response

    def ListProfileEvents(
        self, request: pb.ListProfileEventsRequest, context: grpc.ServicerContext
    ) -> pb.ListProfileEventsResponse:
        query = mapping.list_query(request)
        events, token = queries.list_profile_events(query, self._app.new_uow())
        self._audit("ListProfileEvents", [query.profile_id])
        response = pb.ListProfileEventsResponse(next_page_token=token)
        for event in events:
            mapping.fill_event(response.events.add(), event)
        return response

    def ApplyProfileChanges(
        self, request: pb.ApplyProfileChangesRequest, context: grpc.ServicerContext
    ) -> pb.ApplyProfileChangesResponse:
        applied = handlers.apply_changes(
            mapping.apply_command(request), self._app.new_uow(write=True)
        )
        return pb.ApplyProfileChangesResponse(applied_count=applied.applied)

    def ApplyComputedTraits(
        self, request: pb.ApplyComputedTraitsRequest, context: grpc.ServicerContext
    ) -> pb.ApplyComputedTraitsResponse:
        applied = computed.apply_computed_traits(
            mapping.computed_command(request), self._app.new_uow(write=True)
        )
        return pb.ApplyComputedTraitsResponse(applied_count=applied)

    def _audit(self, method: str, profile_ids: Sequence[str]) -> None:
        """After the read, before the answer: an operator's read that cannot be audited fails."""
        access.audit_read(
            self._app.auditor, _METHODS + method, [profile_name(p) for p in profile_ids]
        )
