"""`cdp privacy breach …`: record a personal-data breach and read the regulators' draft notices."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Annotated

import typer
from google.protobuf import json_format
from rich.table import Table

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as pb_grpc
from cdp.cli.connection import Connection
from cdp.cli.output import OK, console, guarded, print_json, usage_error

app = typer.Typer(
    help="Personal-data breaches (GDPR 33/34, PDPA s.37(4), VN Law 91): record, draft notices.",
    no_args_is_help=True,
)
DataDir = Annotated[Path, typer.Option("--data-dir", help="The suite's data dir (dev tokens).")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
# json_format names the field it could not parse; only that is repeated, never the value.
_PARSE_FIELD = re.compile(r'(?:field named "|parse )(\w+)')


def _stub(data_dir: Path, role: str = "compliance_officer") -> pb_grpc.PrivacyServiceStub:
    return pb_grpc.PrivacyServiceStub(Connection(data_dir).channel("consent", role))


@app.command(help="Record an incident from a JSON file (Incident fields by proto name).")
def record(
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            help='The incident, e.g. {"nature": …, "discover_time": "2026-01-05T08:00:00Z", '
            '"data_categories": ["all"], "jurisdictions": ["gdpr", "pdpl-vn"], …}.',
        ),
    ],
    request_id: Annotated[
        str, typer.Option(help="Idempotency key (UUIDv4); a new one when omitted.")
    ] = "",
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    request = pb.RecordIncidentRequest(
        incident=_read(file), request_id=request_id or str(uuid.uuid4())
    )
    found = guarded(lambda: _stub(data_dir).RecordIncident(request, timeout=30))
    _print(found.incident, json.loads(found.draft_notice_json), as_json, "recorded")
    raise typer.Exit(OK)


@app.command(help="Show an incident and its draft notices (hours remaining as of now).")
def show(
    name: Annotated[str, typer.Argument(help="incidents/<id>, or just the id.")],
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    full = name if name.startswith("incidents/") else f"incidents/{name}"
    found = guarded(
        lambda: _stub(data_dir).GetIncident(pb.GetIncidentRequest(name=full), timeout=30)
    )
    _print(found.incident, json.loads(found.draft_notice_json), as_json, "")
    raise typer.Exit(OK)


def _read(file: Path) -> pb.Incident:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise usage_error("--file does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise usage_error("--file is not a UTF-8 JSON document") from None
    if not isinstance(document, dict):
        raise usage_error("--file must hold one JSON object: the Incident's fields")
    try:
        return json_format.ParseDict(document, pb.Incident())
    except json_format.ParseError as exc:
        match = _PARSE_FIELD.search(str(exc))
        where = f" (field {match.group(1)})" if match else ""
        raise usage_error(f"--file is not an Incident{where}") from None


def _print(incident: pb.Incident, draft: dict, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(
            {
                "incident": json_format.MessageToDict(incident, preserving_proto_field_name=True),
                "draft": draft,
            }
        )
        return
    console.print(f"incident [bold]{incident.name}[/] {verb}".rstrip())
    console.print(f"notify the regulators by [bold]{draft['notify_by']}[/] (72 h after awareness)")
    console.print(_table(draft))
    for notice in draft["notices"]:
        missing = ", ".join(notice["missing"]) or "nothing"
        # soft_wrap: field names stay whole however narrow the terminal.
        console.print(
            f"{notice['jurisdiction']}: {notice['regulator']}; missing: {missing}", soft_wrap=True
        )


def _table(draft: dict) -> Table:
    table = Table(
        "jurisdiction",
        "complete",
        "deadline",
        "hours left",
        title=f"draft notices as of {draft['draft_time']}",
    )
    for notice in draft["notices"]:
        hours = notice["hours_remaining"]
        table.add_row(
            notice["jurisdiction"],
            f"{notice['completeness_percent']:g} %",
            notice["deadline"],
            f"[red]{hours:g} (overdue)[/]" if notice["overdue"] else f"{hours:g}",
        )
    return table
