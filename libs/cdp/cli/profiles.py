"""`cdp profiles get`: a profile by name or any identifier, with provenance, identities and timeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from google.protobuf import json_format
from rich.table import Table

from cdp.api.identity.v1 import identifier_pb2
from cdp.api.ingestion.v1 import event_pb2
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.api.profile.v1 import profile_service_pb2_grpc as pb_grpc
from cdp.cli.connection import Connection
from cdp.cli.output import (
    OK,
    USAGE,
    console,
    err_console,
    guarded,
    print_json,
)

TIMELINE = 20


def get(
    name: Annotated[str, typer.Argument(help="profiles/<id> (or just <id>).")] = "",
    email: Annotated[str, typer.Option(help="Find by email.")] = "",
    phone: Annotated[
        str, typer.Option(help="Find by phone (VN/TH national formats accepted).")
    ] = "",
    user_id: Annotated[str, typer.Option("--user-id", help="Find by user id.")] = "",
    anonymous_id: Annotated[str, typer.Option("--anonymous-id", help="Find by anonymous id.")] = "",
    data_dir: Annotated[Path, typer.Option("--data-dir")] = Path(".cdp"),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    request = _request(name, email=email, phone=phone, user_id=user_id, anonymous_id=anonymous_id)
    profile, events = guarded(lambda: _read(data_dir, request))
    if as_json:
        print_json({"profile": _dict(profile), "events": [_dict(event) for event in events]})
    else:
        _render(profile, events)
    raise typer.Exit(OK)


def _read(data_dir: Path, request: pb.GetProfileRequest) -> tuple:
    stub = pb_grpc.ProfileServiceStub(Connection(data_dir).channel("profile", "profile_reader"))
    profile = stub.GetProfile(request, timeout=10).profile
    page = pb.ListProfileEventsRequest(parent=profile.name, page_size=TIMELINE)
    return profile, stub.ListProfileEvents(page, timeout=10).events


def _request(name: str, **identifiers: str) -> pb.GetProfileRequest:
    given = [(kind, value) for kind, value in identifiers.items() if value]
    if bool(name) + len(given) != 1:
        err_console.print(
            "[red]error:[/] give exactly one of NAME, --email, --phone, --user-id, --anonymous-id"
        )
        raise typer.Exit(USAGE)
    if name:
        return pb.GetProfileRequest(
            name=name if name.startswith("profiles/") else f"profiles/{name}"
        )
    kind, value = given[0]
    return pb.GetProfileRequest(identifier=identifier_pb2.Identifier(type=kind, value=value))


def _dict(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _render(profile, events) -> None:
    console.print(
        f"[bold]{profile.name}[/]  events: {profile.event_count}"
        + (f"  merged: {', '.join(profile.merged_profiles)}" if profile.merged_profiles else "")
    )
    traits = Table("trait", "value", "source", "message_id", "event time", title="traits")
    for trait in profile.traits:
        traits.add_row(
            trait.key,
            _shown(trait.value),
            trait.provenance.source,
            trait.provenance.message_id,
            trait.provenance.event_time.ToJsonString(),
        )
    console.print(traits)
    if profile.computed_traits:
        computed = Table("computed trait", "value", "computed at", title="computed traits")
        for trait in profile.computed_traits:
            computed.add_row(trait.key, _shown(trait.value), trait.compute_time.ToJsonString())
        console.print(computed)
    identities = Table("type", "value", "linked", "message_id", title="identities")
    for identity in profile.identities:
        identities.add_row(
            identity.type, identity.value, identity.link_time.ToJsonString(), identity.message_id
        )
    console.print(identities)
    timeline = Table("time", "type", "event", "message_id", title=f"timeline (latest {TIMELINE})")
    for event in events:
        timeline.add_row(
            event.timestamp.ToJsonString(), _type_name(event.type), event.event, event.message_id
        )
    console.print(timeline)


def _shown(value) -> str:
    """A Value as JSON; whole numbers without ".0" (protobuf keeps every number as a double)."""
    plain = json_format.MessageToDict(value)
    if isinstance(plain, float) and plain.is_integer():
        plain = int(plain)
    return json.dumps(plain, ensure_ascii=False)


def _type_name(value: int) -> str:
    return event_pb2.EventType.Name(value).removeprefix("EVENT_TYPE_").lower()
