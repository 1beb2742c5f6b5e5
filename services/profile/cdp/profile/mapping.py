"""Proto <-> command and read-model mapping for the servicer (validation names the proto field)."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2, timestamp_pb2

from cdp.api.ingestion.v1 import sealed_event_pb2
from cdp.api.profile.v1 import profile_pb2
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.errors import InvalidArgument, field_required, too_many
from cdp.profile.domain import commands
from cdp.profile.domain.commands import profile_id, profile_name
from cdp.profile.domain.model import (
    ComputedTrait,
    EventType,
    IncomingEvent,
    ProfileView,
    TimelineEvent,
    TraitValue,
)

MAX_CHANGES = 100_000
MAX_COMPUTED_VALUES = 10_000


def apply_command(request: pb.ApplyProfileChangesRequest) -> commands.ApplyChanges:
    if len(request.changes) > MAX_CHANGES:
        raise too_many("changes", MAX_CHANGES)
    names = _Names("changes")
    return commands.ApplyChanges(
        tuple(_change(change, i, names) for i, change in enumerate(request.changes))
    )


class _Names:
    """Profile names of one request, each parsed once (a batch repeats the same few)."""

    def __init__(self, items: str) -> None:
        self._items = items  # the repeated field the names sit in, for error paths
        self._ids: dict[str, str] = {}

    def id(self, name: str, index: int, path: str) -> str:
        found = self._ids.get(name)
        if found is None:
            found = self._ids[name] = profile_id(name, f"{self._items}[{index}].{path}")
        return found


def computed_command(request: pb.ApplyComputedTraitsRequest) -> commands.ApplyComputedTraits:
    if len(request.values) > MAX_COMPUTED_VALUES:
        raise too_many("values", MAX_COMPUTED_VALUES)
    names = _Names("values")
    return commands.ApplyComputedTraits(
        tuple(_computed(value, i, names) for i, value in enumerate(request.values))
    )


def _computed(
    value: pb.ComputedTraitValue, index: int, names: _Names
) -> commands.ComputedTraitChange:
    profile = names.id(value.profile, index, "profile")
    if not value.HasField("trait"):
        return commands.ComputedTraitChange(
            profile, commands.computed_key(value.key, f"values[{index}].key"), None
        )
    trait, field = value.trait, f"values[{index}].trait"
    key = commands.computed_key(trait.key, f"{field}.key")
    if not trait.HasField("compute_time"):
        raise field_required(f"{field}.compute_time")
    time = _micros(trait.compute_time, f"{field}.compute_time")
    computed = ComputedTrait(key, json_format.MessageToDict(trait.value), time)
    return commands.ComputedTraitChange(profile, key, computed)


def _change(change: pb.ProfileChange, index: int, names: _Names) -> commands.Change:
    kind = change.WhichOneof("change")
    if kind == "event":
        resolved = change.event
        return commands.EventChange(
            change.sequence,
            names.id(resolved.profile, index, "event.profile"),
            incoming_event(resolved.event, index),
        )
    if kind == "merged":
        merged = change.merged
        absorbed = tuple(
            names.id(name, index, f"merged.merged_profiles[{n}]")
            for n, name in enumerate(merged.merged_profiles)
        )
        survivor = names.id(merged.profile, index, "merged.profile")
        return commands.MergeChange(change.sequence, survivor, absorbed)
    if kind == "split":
        split = change.split
        return commands.SplitChange(
            change.sequence,
            names.id(split.profile, index, "split.profile"),
            names.id(split.new_profile, index, "split.new_profile"),
            tuple(split.moved_blind_indexes),
        )
    raise field_required(f"changes[{index}].change")


_TYPES = {int(t): t for t in EventType if t is not EventType.UNSPECIFIED}
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799  # 0001-01-01 .. 9999-12-31


def incoming_event(sealed: sealed_event_pb2.SealedEvent, index: int) -> IncomingEvent:
    kind = _TYPES.get(sealed.type)
    field = f"changes[{index}].event.event"
    if not sealed.message_id or kind is None:
        if not sealed.message_id:
            raise field_required(f"{field}.message_id")
        raise InvalidArgument(
            "INVALID_EVENT_TYPE", f"{field}.type is not an event type", field=f"{field}.type"
        )
    received = _micros(sealed.receive_time, f"{field}.receive_time")
    happened = (
        _micros(sealed.timestamp, f"{field}.timestamp")
        if sealed.HasField("timestamp")
        else received
    )
    subject = sealed.subject_id
    anchor = next((i.blind_index for i in sealed.identifiers if i.subject_id == subject), b"")
    return IncomingEvent(
        sealed.message_id,
        sealed.source,
        kind,
        sealed.event_name,
        happened,
        received,
        subject,
        anchor,
        sealed.public_json,
        sealed.sealed_pii,
        tuple(i.blind_index for i in sealed.identifiers),
        tuple(i.subject_id for i in sealed.identifiers),
    )


def _micros(stamp: timestamp_pb2.Timestamp, field: str) -> int:
    # Outside 0001..9999 the microseconds overflow the database's 64-bit integers.
    if not (_MIN_SECONDS <= stamp.seconds <= _MAX_SECONDS and 0 <= stamp.nanos < 1_000_000_000):
        raise InvalidArgument("INVALID_TIMESTAMP", f"{field} is out of range", field=field)
    return stamp.seconds * 1_000_000 + stamp.nanos // 1000


def get_query(request: pb.GetProfileRequest) -> commands.GetProfile:
    fields = commands.read_mask(request.read_mask.paths)
    lookup = request.WhichOneof("lookup")
    if lookup == "identifier":
        ref = commands.IdentifierRef(request.identifier.type, request.identifier.value)
        return commands.GetProfile(None, ref, fields)
    if not request.name:
        raise field_required("name")
    return commands.GetProfile(profile_id(request.name, "name"), None, fields)


def batch_query(request: pb.BatchGetProfilesRequest) -> commands.BatchGetProfiles:
    if not request.names:
        raise field_required("names")
    if len(request.names) > commands.MAX_BATCH_GET:
        raise too_many("names", commands.MAX_BATCH_GET)
    ids = tuple(profile_id(name, f"names[{i}]") for i, name in enumerate(request.names))
    return commands.BatchGetProfiles(ids, commands.read_mask(request.read_mask.paths))


def list_query(request: pb.ListProfileEventsRequest) -> commands.ListProfileEvents:
    if not request.parent:
        raise field_required("parent")
    types = frozenset(_event_type(t) for t in request.types)
    start = _micros(request.start_time, "start_time") if request.HasField("start_time") else None
    end = _micros(request.end_time, "end_time") if request.HasField("end_time") else None
    if start is not None and end is not None and end <= start:
        raise InvalidArgument(
            "INVALID_TIME_RANGE", "end_time must be after start_time", field="end_time"
        )
    return commands.ListProfileEvents(
        profile_id(request.parent, "parent"),
        commands.page_size(request.page_size),
        request.page_token,
        types,
        start,
        end,
    )


def _event_type(value: int) -> EventType:
    kind = _TYPES.get(value)
    if kind is None:
        raise InvalidArgument(
            "INVALID_EVENT_TYPE", "types has a value that is not an event type", field="types"
        )
    return kind


def fill_profile(target: profile_pb2.Profile, view: ProfileView) -> None:
    """Only the parts the read mask asked for (all when it is empty); the name always."""
    state = view.state
    wants = view.fields.__contains__ if view.fields else lambda _name: True
    target.name = profile_name(state.id)
    if wants("traits"):
        for trait in sorted(view.traits, key=lambda t: t.key):
            _fill_trait(target.traits.add(key=trait.key, personal=trait.personal), trait)
    if wants("computed_traits"):
        _fill_computed(target, view.computed_traits)
    if wants("identities"):
        for identity in view.identities:
            message = target.identities.add(
                type=identity.type, value=identity.value, message_id=identity.message_id
            )
            message.link_time.FromMicroseconds(identity.link_time)
    if wants("merged_profiles"):
        target.merged_profiles.extend(profile_name(p) for p in state.merged_profiles)
    if wants("groups"):
        target.groups.extend(state.groups)
    if wants("event_count"):
        target.event_count = state.event_count
    if wants("first_seen_time") and state.first_seen is not None:
        target.first_seen_time.FromMicroseconds(state.first_seen)
    if wants("last_seen_time") and state.last_seen is not None:
        target.last_seen_time.FromMicroseconds(state.last_seen)


def _fill_computed(target: profile_pb2.Profile, computed: list[ComputedTrait]) -> None:
    for trait in sorted(computed, key=lambda t: t.key):
        message = target.computed_traits.add(key=trait.key)
        fill_value(message.value, trait.value)
        message.compute_time.FromMicroseconds(trait.compute_time)


def _fill_trait(target: profile_pb2.Trait, trait: TraitValue) -> None:
    fill_value(target.value, trait.value)
    target.provenance.source = trait.provenance.source
    target.provenance.message_id = trait.provenance.message_id
    target.provenance.event_time.FromMicroseconds(trait.provenance.event_time)


def fill_event(target: profile_pb2.ProfileEvent, event: TimelineEvent) -> None:
    """In place: Struct.update builds the nested values without a JSON round trip."""
    target.message_id = event.message_id
    target.type = int(event.type)
    target.event = event.event_name
    target.source = event.source
    target.category = event.category
    target.group_id = event.group_id
    target.properties.update(event.properties)
    target.traits.update(event.traits)
    target.context.update(event.context)
    target.timestamp.FromMicroseconds(event.timestamp)
    target.receive_time.FromMicroseconds(event.receive_time)


def fill_value(target: struct_pb2.Value, value: Any) -> None:
    """Any JSON value into a google.protobuf.Value in place (Struct.update does the nesting)."""
    if value is None:
        target.null_value = struct_pb2.NULL_VALUE
    elif isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int | float):
        target.number_value = value
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, dict):
        target.struct_value.SetInParent()
        target.struct_value.update(value)
    else:
        target.list_value.SetInParent()
        target.list_value.extend(value)
