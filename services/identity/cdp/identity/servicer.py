"""IdentityService over gRPC: proto -> command -> use case -> proto, no business logic here."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as pb_grpc
from cdp.grpcx import access
from cdp.identity import mapping, privacy_mapping
from cdp.identity.bootstrap import App
from cdp.identity.domain import commands
from cdp.identity.domain.model import profile_name
from cdp.identity.service_layer import handlers, privacy, queries

_METHODS = f"/{pb.DESCRIPTOR.services_by_name['IdentityService'].full_name}/"


class IdentityServicer(pb_grpc.IdentityServiceServicer):
    def __init__(self, app: App) -> None:
        self._app = app

    def ResolveEvents(
        self, request: pb.ResolveEventsRequest, context: grpc.ServicerContext
    ) -> pb.ResolveEventsResponse:
        result = handlers.resolve_events(
            mapping.resolve_events(request), self._app.new_uow(), self._app.rules
        )
        return pb.ResolveEventsResponse(resolved_count=result.resolved)

    def ResolveIdentities(
        self, request: pb.ResolveIdentitiesRequest, context: grpc.ServicerContext
    ) -> pb.ResolveIdentitiesResponse:
        found = handlers.resolve_identities(
            mapping.resolve_identities(request), self._app.new_uow(), self._app.rules
        )
        return mapping.resolutions(found)

    def LookupProfile(
        self, request: pb.LookupProfileRequest, context: grpc.ServicerContext
    ) -> pb.LookupProfileResponse:
        profile_id = queries.lookup_profile(mapping.lookup_profile(request), self._app.new_uow())
        self._audit("LookupProfile", [profile_id])
        return pb.LookupProfileResponse(profile=mapping.profile_name(profile_id))

    def ListProfileIdentities(
        self, request: pb.ListProfileIdentitiesRequest, context: grpc.ServicerContext
    ) -> pb.ListProfileIdentitiesResponse:
        query = commands.ListProfileIdentities(commands.profile_id_of(request.profile, "profile"))
        profile_id, found = queries.list_profile_identities(query, self._app.new_uow())
        self._audit("ListProfileIdentities", [profile_id])
        return pb.ListProfileIdentitiesResponse(
            profile=mapping.profile_name(profile_id),
            identities=[mapping.identity(i) for i in found],
        )

    def ExplainProfile(
        self, request: pb.ExplainProfileRequest, context: grpc.ServicerContext
    ) -> pb.ExplainProfileResponse:
        query = commands.ExplainProfile(commands.profile_id_of(request.profile, "profile"))
        profile_id, records = queries.explain_profile(query, self._app.new_uow())
        self._audit("ExplainProfile", [profile_id])
        return pb.ExplainProfileResponse(
            profile=mapping.profile_name(profile_id),
            records=[mapping.merge_record(r) for r in records],
        )

    def SplitProfile(
        self, request: pb.SplitProfileRequest, context: grpc.ServicerContext
    ) -> pb.SplitProfileResponse:
        done = handlers.split_profile(mapping.split_profile(request), self._app.new_uow())
        return pb.SplitProfileResponse(
            new_profile=mapping.profile_name(done.new_profile_id),
            record=mapping.merge_record(done.record),
        )

    def ResolveSubject(
        self, request: pb.ResolveSubjectRequest, context: grpc.ServicerContext
    ) -> pb.ResolveSubjectResponse:
        found = privacy.resolve_subject(
            privacy_mapping.resolve_subject(request), self._app.new_uow(), self._app.rules
        )
        return pb.ResolveSubjectResponse(subject=privacy_mapping.subject(found))

    def _audit(self, method: str, profile_ids: Sequence[str]) -> None:
        """After the read, before the answer: an operator's read that cannot be audited fails."""
        access.audit_read(
            self._app.auditor, _METHODS + method, [profile_name(p) for p in profile_ids]
        )
