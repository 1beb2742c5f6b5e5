"""ProfileService over gRPC: proto to command, one handler call, read model to proto."""

from __future__ import annotations

import grpc

from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.api.profile.v1 import profile_service_pb2_grpc as pb_grpc
from cdp.profile import mapping
from cdp.profile.bootstrap import App
from cdp.profile.service_layer import handlers, queries


class ProfileServicer(pb_grpc.ProfileServiceServicer):
    def __init__(self, app: App) -> None:
        self._app = app

    def GetProfile(
        self, request: pb.GetProfileRequest, context: grpc.ServicerContext
    ) -> pb.GetProfileResponse:
        view = queries.get_profile(
            mapping.get_query(request), self._app.new_uow(), self._app.identity
        )
        response = pb.GetProfileResponse()
        mapping.fill_profile(response.profile, view)
        return response

    def BatchGetProfiles(
        self, request: pb.BatchGetProfilesRequest, context: grpc.ServicerContext
    ) -> pb.BatchGetProfilesResponse:
        views = queries.batch_get_profiles(
            mapping.batch_query(request), self._app.new_uow(), self._app.identity
        )
        response = pb.BatchGetProfilesResponse()
        for view in views:
            mapping.fill_profile(response.profiles.add(), view)
        return response

    def ListProfileEvents(
        self, request: pb.ListProfileEventsRequest, context: grpc.ServicerContext
    ) -> pb.ListProfileEventsResponse:
        events, token = queries.list_profile_events(
            mapping.list_query(request), self._app.new_uow()
        )
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
