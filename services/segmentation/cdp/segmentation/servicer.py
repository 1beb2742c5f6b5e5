"""SegmentationService over gRPC: proto <-> command, then one use case per RPC."""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from cdp import paging
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.api.segmentation.v1 import segmentation_service_pb2_grpc as pb_grpc
from cdp.errors import ResourceExhausted, field_required
from cdp.grpcx.interceptors import current_caller
from cdp.segmentation import condition_mapping
from cdp.segmentation.bootstrap import App
from cdp.segmentation.domain.conditions.formatter import format_condition
from cdp.segmentation.domain.conditions.parser import parse
from cdp.segmentation.domain.segments import id_from_name
from cdp.segmentation.mapping import (
    aggregate_of,
    change_to_proto,
    computed_trait_to_proto,
    condition_of,
    segment_to_proto,
)
from cdp.segmentation.service_layer import members, recipients, segments, traits

DEFAULT_SEGMENTS_PAGE, MAX_SEGMENTS_PAGE = 50, 500
DEFAULT_MEMBERS_PAGE, MAX_MEMBERS_PAGE = 100, 1000
UNKNOWN_RECIPIENT = "unknown"  # no authenticated caller (the auth interceptor always sets one)


class SegmentationServicer(pb_grpc.SegmentationServiceServicer):
    def __init__(self, app: App) -> None:
        self._app = app
        self._ctx = app.context

    def CreateSegment(self, request: pb.CreateSegmentRequest, context: grpc.ServicerContext):
        s = request.segment
        draft = segments.SegmentDraft(
            segment_id=request.segment_id,
            display_name=s.display_name,
            condition=condition_of(
                s.condition, s.condition_tree, s.HasField("condition_tree"), "segment.condition"
            ),
            purpose=s.purpose,
            request_id=request.request_id,
        )
        return pb.CreateSegmentResponse(
            segment=segment_to_proto(segments.create_segment(self._ctx, draft))
        )

    def GetSegment(self, request: pb.GetSegmentRequest, context: grpc.ServicerContext):
        segment = segments.get_segment(self._ctx, _segment_id(request.name, "name"))
        return pb.GetSegmentResponse(segment=segment_to_proto(segment))

    def ListSegments(self, request: pb.ListSegmentsRequest, context: grpc.ServicerContext):
        size = paging.page_size(request.page_size, DEFAULT_SEGMENTS_PAGE, MAX_SEGMENTS_PAGE)
        found = segments.list_segments(self._ctx, _after(request.page_token, "segments"), size + 1)
        token = paging.encode(found[size - 1].id, "segments") if len(found) > size else ""
        return pb.ListSegmentsResponse(
            segments=[segment_to_proto(s) for s in found[:size]], next_page_token=token
        )

    def UpdateSegment(self, request: pb.UpdateSegmentRequest, context: grpc.ServicerContext):
        s = request.segment
        fields = frozenset(request.update_mask.paths)
        wants_condition = bool(fields & {"condition", "condition_tree"})
        patch = segments.SegmentPatch(
            segment_id=_segment_id(s.name, "segment.name"),
            fields=fields,
            display_name=s.display_name,
            condition=condition_of(
                s.condition, s.condition_tree, s.HasField("condition_tree"), "segment.condition"
            )
            if wants_condition
            else None,
            purpose=s.purpose,
            etag=s.etag,
        )
        return pb.UpdateSegmentResponse(
            segment=segment_to_proto(segments.update_segment(self._ctx, patch))
        )

    def DeleteSegment(self, request: pb.DeleteSegmentRequest, context: grpc.ServicerContext):
        segments.delete_segment(self._ctx, _segment_id(request.name, "name"), request.etag)
        return pb.DeleteSegmentResponse()

    def PreviewSegment(self, request: pb.PreviewSegmentRequest, context: grpc.ServicerContext):
        condition = condition_of(
            request.condition,
            request.condition_tree,
            request.HasField("condition_tree"),
            "condition",
        )
        preview = segments.preview_segment(
            self._ctx, condition, request.purpose, request.sample_size
        )
        return pb.PreviewSegmentResponse(
            member_count=preview.member_count,
            excluded_count=preview.excluded_count,
            sample_profiles=[f"profiles/{p}" for p in preview.sample],
        )

    def ListSegmentMembers(
        self, request: pb.ListSegmentMembersRequest, context: grpc.ServicerContext
    ):
        segment_id = _segment_id(request.parent, "parent")
        size = paging.page_size(request.page_size, DEFAULT_MEMBERS_PAGE, MAX_MEMBERS_PAGE)
        after = _after(request.page_token, request.parent)
        found = members.list_members(self._ctx, segment_id, after, size + 1)
        recipients.listed(self._ctx, _recipient(), segment_id, found[:size])
        token = paging.encode(found[size - 1], request.parent) if len(found) > size else ""
        return pb.ListSegmentMembersResponse(
            profiles=[f"profiles/{p}" for p in found[:size]], next_page_token=token
        )

    def WatchSegmentMembership(
        self, request: pb.WatchSegmentMembershipRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.WatchSegmentMembershipResponse]:
        # Not a generator itself: the caller is known only until this method returns.
        return self._watch(request, context, _recipient())

    def _watch(
        self,
        request: pb.WatchSegmentMembershipRequest,
        context: grpc.ServicerContext,
        recipient: str,
    ) -> Iterator[pb.WatchSegmentMembershipResponse]:
        segment_id = _segment_id(request.segment, "segment")
        if not self._app.watches.acquire(blocking=False):
            raise ResourceExhausted(
                "TOO_MANY_WATCHES", "too many open membership watches; retry later"
            )
        try:
            changes = recipients.watch(
                self._ctx, recipient, segment_id, request.after_version, context.is_active
            )
            for change in changes:
                yield pb.WatchSegmentMembershipResponse(change=change_to_proto(change))
        finally:
            self._app.watches.release()

    def CreateComputedTrait(
        self, request: pb.CreateComputedTraitRequest, context: grpc.ServicerContext
    ):
        t = request.computed_trait
        aggregate = aggregate_of(
            t.expression,
            t.expression_tree,
            t.HasField("expression_tree"),
            "computed_trait.expression",
        )
        created = traits.create_computed_trait(
            self._ctx, request.computed_trait_id, t.display_name, aggregate
        )
        return pb.CreateComputedTraitResponse(computed_trait=computed_trait_to_proto(created))

    def GetComputedTrait(self, request: pb.GetComputedTraitRequest, context: grpc.ServicerContext):
        key = id_from_name(request.name, "computedTraits", "name")
        return pb.GetComputedTraitResponse(
            computed_trait=computed_trait_to_proto(traits.get_computed_trait(self._ctx, key))
        )

    def ListComputedTraits(
        self, request: pb.ListComputedTraitsRequest, context: grpc.ServicerContext
    ):
        size = paging.page_size(request.page_size, DEFAULT_SEGMENTS_PAGE, MAX_SEGMENTS_PAGE)
        after = _after(request.page_token, "computedTraits")
        found = traits.list_computed_traits(self._ctx, after, size + 1)
        token = paging.encode(found[size - 1].key, "computedTraits") if len(found) > size else ""
        return pb.ListComputedTraitsResponse(
            computed_traits=[computed_trait_to_proto(t) for t in found[:size]],
            next_page_token=token,
        )

    def DeleteComputedTrait(
        self, request: pb.DeleteComputedTraitRequest, context: grpc.ServicerContext
    ):
        traits.delete_computed_trait(
            self._ctx, id_from_name(request.name, "computedTraits", "name")
        )
        return pb.DeleteComputedTraitResponse()

    def ParseCondition(self, request: pb.ParseConditionRequest, context: grpc.ServicerContext):
        if not request.condition:
            raise field_required("condition")
        node = parse(request.condition)
        return pb.ParseConditionResponse(
            condition_tree=condition_mapping.to_proto(node), canonical=format_condition(node)
        )


def _recipient() -> str:
    """Who receives what this RPC returns: the caller's token subject (the disclosure log's key)."""
    caller = current_caller.get()
    # Token subjects are minted by the suite; the column holds 128 characters.
    return caller.subject[:128] if caller is not None else UNKNOWN_RECIPIENT


def _segment_id(name: str, field: str) -> str:
    return id_from_name(name, "segments", field)


def _after(token: str, listing: str) -> str:
    """Where a page token continues ("" for the first page)."""
    if not token:
        return ""
    after = paging.decode(token, listing)
    if not isinstance(after, str):
        raise paging.InvalidPageToken()
    return after
