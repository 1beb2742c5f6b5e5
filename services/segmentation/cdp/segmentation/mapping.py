"""Proto <-> domain for segments, computed traits, membership changes and the profile feed."""

from __future__ import annotations

from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp

from cdp.api.segmentation.v1 import computed_trait_pb2, condition_pb2, feed_service_pb2, segment_pb2
from cdp.errors import InvalidArgument, field_required
from cdp.segmentation import condition_mapping
from cdp.segmentation.domain import membership as mb
from cdp.segmentation.domain.conditions import ast, values
from cdp.segmentation.domain.conditions.formatter import format_aggregate, format_condition
from cdp.segmentation.domain.conditions.parser import parse, parse_aggregate
from cdp.segmentation.domain.segments import ComputedTrait, Segment
from cdp.segmentation.domain.updates import (
    EventRecorded,
    MergeApplied,
    Rebuilt,
    TraitsChanged,
    TraitValue,
    Update,
)

PROFILE_PREFIX = "profiles/"


def condition_of(text: str, tree: condition_pb2.Condition, has_tree: bool, field: str) -> ast.Node:
    """The condition from its text, else from its tree (`{field}_tree`); one of them is required."""
    if text:
        return parse(text, field=field)
    if has_tree:
        return condition_mapping.from_proto(tree, field=f"{field}_tree")
    raise field_required(field)


def aggregate_of(
    text: str, tree: condition_pb2.EventAggregate, has_tree: bool, field: str
) -> ast.Aggregate:
    if text:
        return parse_aggregate(text, field=field)
    if has_tree:
        return condition_mapping.aggregate_from_proto(tree, field=f"{field}_tree")
    raise field_required(field)


def segment_to_proto(segment: Segment) -> segment_pb2.Segment:
    return segment_pb2.Segment(
        name=segment.name,
        display_name=segment.display_name,
        condition=format_condition(segment.condition),
        condition_tree=condition_mapping.to_proto(segment.condition),
        purpose=segment.purpose,
        compute_state=int(segment.state),
        compute_error=segment.error,
        member_count=segment.member_count,
        excluded_count=segment.excluded_count,
        create_time=_timestamp(segment.create_time),
        update_time=_timestamp(segment.update_time),
        etag=segment.etag,
        membership_version=segment.version,
    )


def computed_trait_to_proto(trait: ComputedTrait) -> computed_trait_pb2.ComputedTrait:
    return computed_trait_pb2.ComputedTrait(
        name=trait.name,
        display_name=trait.display_name,
        expression=format_aggregate(trait.aggregate),
        expression_tree=condition_mapping.aggregate_to_proto(trait.aggregate),
        create_time=_timestamp(trait.create_time),
    )


def change_to_proto(change: mb.Change) -> segment_pb2.MembershipChange:
    return segment_pb2.MembershipChange(
        version=change.version,
        segment=f"segments/{change.segment_id}",
        profile=PROFILE_PREFIX + change.profile_id,
        kind=int(change.kind),
        reason=change.reason,
        change_time=_timestamp(change.time),
    )


def updates_from_proto(request: feed_service_pb2.ApplyProfileUpdatesRequest) -> list[Update]:
    return [Update(u.sequence, _change(u, f"updates[{i}]")) for i, u in enumerate(request.updates)]


def _change(update: feed_service_pb2.ProfileUpdate, field: str):
    kind = update.WhichOneof("kind")
    if kind == "event":
        return _event(update.event, f"{field}.event")
    if kind == "traits":
        t = update.traits
        return TraitsChanged(_profile(t.profile, f"{field}.traits.profile"), _traits(t.traits))
    if kind == "merged":
        m = update.merged
        absorbed = tuple(_profile(p, f"{field}.merged.merged_profiles") for p in m.merged_profiles)
        return MergeApplied(_profile(m.profile, f"{field}.merged.profile"), absorbed)
    if kind == "rebuilt":
        r = update.rebuilt
        events = tuple(_event(e, f"{field}.rebuilt.events") for e in r.events)
        return Rebuilt(_profile(r.profile, f"{field}.rebuilt.profile"), _traits(r.traits), events)
    raise field_required(f"{field}.kind")


def _event(event: feed_service_pb2.ProfileEventRecorded, field: str) -> EventRecorded:
    return EventRecorded(
        profile_id=_profile(event.profile, f"{field}.profile"),
        subject_id=event.subject_id,
        source=event.source,
        message_id=event.message_id,
        type=int(event.type),
        name=event.event,
        time=_event_micros(event.event_time, f"{field}.event_time"),
        properties=MessageToDict(event.properties),
    )


def _traits(traits) -> tuple[TraitValue, ...]:
    return tuple(
        TraitValue(
            key=t.key,
            value=None if t.personal else MessageToDict(t.value) if t.HasField("value") else None,
            personal=t.personal,
            subject_id=t.subject_id,
        )
        for t in traits
    )


def _profile(name: str, field: str) -> str:
    if not name.startswith(PROFILE_PREFIX) or len(name) <= len(PROFILE_PREFIX):
        raise InvalidArgument("INVALID_PROFILE_NAME", "expected profiles/{profile}", field=field)
    return name[len(PROFILE_PREFIX) :]


def _event_micros(stamp: Timestamp, field: str) -> int:
    # Outside years 1..9999 (or with nanos past a second) no condition could compare it, and the
    # microseconds could overflow the database's 64-bit integers.
    micros = stamp.seconds * 1_000_000 + stamp.nanos // 1000
    if not (0 <= stamp.nanos < 1_000_000_000 and values.MIN_MICROS <= micros <= values.MAX_MICROS):
        raise InvalidArgument("INVALID_TIMESTAMP", f"{field} is out of range", field=field)
    return micros


def _timestamp(micros: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromMicroseconds(micros)
    return stamp
