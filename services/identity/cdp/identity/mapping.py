"""Proto <-> command and result mapping for the servicer (the only module besides it that knows protos)."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.errors import field_required
from cdp.identity.domain import commands as cmd
from cdp.identity.domain.model import (
    ExplainedRecord,
    Identity,
    Resolution,
    SealedIdentifier,
    Sighting,
    profile_name,
)


def resolve_events(request: pb.ResolveEventsRequest) -> cmd.ResolveEvents:
    cmd.check_count(request.events, "events", cmd.MAX_EVENTS)
    return cmd.ResolveEvents(
        tuple(_sighting(event, f"events[{i}]") for i, event in enumerate(request.events))
    )


def resolve_identities(request: pb.ResolveIdentitiesRequest) -> cmd.ResolveIdentities:
    cmd.check_count(request.sets, "sets", cmd.MAX_SETS)
    return cmd.ResolveIdentities(
        tuple(_plain_set(s, f"sets[{i}]") for i, s in enumerate(request.sets))
    )


def lookup_profile(request: pb.LookupProfileRequest) -> cmd.LookupProfile:
    if not request.HasField("identifier"):
        raise field_required("identifier")
    identifier = request.identifier
    return cmd.LookupProfile(cmd.plain_identifier(identifier.type, identifier.value, "identifier"))


def split_profile(request: pb.SplitProfileRequest) -> cmd.SplitProfile:
    profile_id = cmd.profile_id_of(request.profile, "profile")
    if not request.identifiers:
        raise field_required("identifiers")
    cmd.check_count(request.identifiers, "identifiers", cmd.MAX_IDENTIFIERS)
    cmd.check_message_id(request.request_id, "request_id", required=False)
    identifiers = tuple(
        cmd.plain_identifier(i.type, i.value, f"identifiers[{n}]")
        for n, i in enumerate(request.identifiers)
    )
    return cmd.SplitProfile(profile_id, identifiers, request.request_id)


def resolutions(found: list[Resolution]) -> pb.ResolveIdentitiesResponse:
    return pb.ResolveIdentitiesResponse(
        resolutions=[
            pb.Resolution(
                profile=profile_name(r.profile_id) if r.profile_id else "",
                created=r.created,
                merged_profiles=[profile_name(p) for p in r.merged],
                refused=[
                    pb.RefusedLink(type=x.type, reason=x.reason, rule=x.rule) for x in r.refused
                ],
            )
            for r in found
        ]
    )


def identity(found: Identity) -> pb.ProfileIdentity:
    return pb.ProfileIdentity(
        type=found.type,
        value=found.value,
        link_time=_timestamp(found.linked_at),
        message_id=found.message_id,
    )


def merge_record(record: ExplainedRecord) -> pb.MergeRecord:
    return pb.MergeRecord(
        sequence=record.sequence,
        kind=pb.MergeKind.Value(f"MERGE_KIND_{record.kind}"),
        rule=record.rule,
        message_id=record.message_id,
        create_time=_timestamp(record.time),
        before_profiles=[profile_name(p) for p in record.before],
        after_profile=profile_name(record.after) if record.after else "",
        identities=[identity(i) for i in record.identities],
        reason=record.reason,
    )


def _sighting(event, field: str) -> Sighting:
    cmd.check_message_id(event.message_id, f"{field}.message_id")
    if not event.identifiers:
        raise field_required(f"{field}.identifiers")
    cmd.check_count(event.identifiers, f"{field}.identifiers", cmd.MAX_IDENTIFIERS)
    identifiers = tuple(
        [
            SealedIdentifier(i.type, i.blind_index, i.sealed_value, i.subject_id)
            for i in event.identifiers
        ]
    )
    if not all(_complete(identifier) for identifier in identifiers):
        for index, identifier in enumerate(identifiers):
            cmd.check_sealed(identifier, f"{field}.identifiers[{index}]")
    return Sighting(event.message_id, identifiers, event.source, event.subject_id, event)


def _complete(identifier: SealedIdentifier) -> bool:
    """The quick check; check_sealed names the field when it fails."""
    return (
        bool(identifier.type and identifier.sealed_value and identifier.subject_id)
        and len(identifier.blind_index) == cmd.BLIND_INDEX_BYTES
    )


def _plain_set(identifier_set: pb.IdentifierSet, field: str) -> cmd.PlainSet:
    if not identifier_set.identifiers:
        raise field_required(f"{field}.identifiers")
    cmd.check_count(identifier_set.identifiers, f"{field}.identifiers", cmd.MAX_IDENTIFIERS)
    cmd.check_message_id(identifier_set.message_id, f"{field}.message_id", required=False)
    return cmd.PlainSet(
        identifier_set.message_id,
        tuple(
            cmd.plain_identifier(i.type, i.value, f"{field}.identifiers[{n}]")
            for n, i in enumerate(identifier_set.identifiers)
        ),
    )


def _timestamp(moment) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp
