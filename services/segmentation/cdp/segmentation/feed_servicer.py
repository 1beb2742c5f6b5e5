"""SegmentationFeedService over gRPC: profile's and consent's relays keep the read model current."""

from __future__ import annotations

import grpc

from cdp.api.segmentation.v1 import feed_service_pb2 as pb
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as pb_grpc
from cdp.errors import InvalidArgument, too_many
from cdp.pii.subjects import PROFILE_NAME, SUBJECT_ID
from cdp.segmentation.bootstrap import App
from cdp.segmentation.mapping import updates_from_proto
from cdp.segmentation.service_layer import realtime

MAX_SUBJECTS = 1000


class FeedServicer(pb_grpc.SegmentationFeedServiceServicer):
    def __init__(self, app: App) -> None:
        self._ctx = app.context

    def ApplyProfileUpdates(
        self, request: pb.ApplyProfileUpdatesRequest, context: grpc.ServicerContext
    ) -> pb.ApplyProfileUpdatesResponse:
        applied = realtime.apply_profile_updates(self._ctx, updates_from_proto(request))
        return pb.ApplyProfileUpdatesResponse(applied_count=applied)

    def ApplyConsentUpdates(
        self, request: pb.ApplyConsentUpdatesRequest, context: grpc.ServicerContext
    ) -> pb.ApplyConsentUpdatesResponse:
        subject_ids = _subject_ids(request.subject_ids)
        profiles = _profiles(request.profiles)
        rechecked = realtime.apply_consent_updates(self._ctx, subject_ids, profiles)
        return pb.ApplyConsentUpdatesResponse(rechecked_count=rechecked)


def _subject_ids(values) -> list[str]:
    if len(values) > MAX_SUBJECTS:
        raise too_many("subject_ids", MAX_SUBJECTS)
    for index, value in enumerate(values):
        if not SUBJECT_ID.fullmatch(value):
            raise InvalidArgument(
                "INVALID_SUBJECT_ID", "not a subject id", field=f"subject_ids[{index}]"
            )
    return sorted(set(values))


def _profiles(values) -> list[str]:
    if len(values) > MAX_SUBJECTS:
        raise too_many("profiles", MAX_SUBJECTS)
    found = []
    for index, value in enumerate(values):
        match = PROFILE_NAME.fullmatch(value)
        if not match:
            raise InvalidArgument(
                "INVALID_PROFILE_NAME", "expected profiles/{profile}", field=f"profiles[{index}]"
            )
        found.append(match.group(1))
    return sorted(set(found))
