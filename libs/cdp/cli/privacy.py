"""`cdp privacy …`: data-subject requests for compliance officers, receipts, the record of processing."""

from __future__ import annotations

import base64
import json
import sys
import time
import uuid
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from google.protobuf import json_format
from rich.live import Live
from rich.table import Table

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as pb_grpc
from cdp.cli.connection import Connection
from cdp.cli.identities import AnonymousId, Email, OtherId, Phone, UserId, identifiers
from cdp.cli.output import (
    FAILED,
    OK,
    USAGE,
    console,
    err_console,
    guarded,
    print_json,
)

app = typer.Typer(
    help="Data-subject requests: erase, export, restrict, object; receipts; record of processing.",
    no_args_is_help=True,
)
DataDir = Annotated[Path, typer.Option("--data-dir")]
Jurisdiction = Annotated[str, typer.Option(help="gdpr, pdpa-th or pdpl-vn.")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
RequestId = Annotated[
    str, typer.Option(help="Idempotency key (UUIDv4); a repeat returns the first request.")
]
Wait = Annotated[
    bool, typer.Option("--wait", help="Show progress per service until the request finishes.")
]
LIST_PAGE = 500  # the server's largest page
PARTIAL_EXIT = 7  # the request is still PARTIAL (some service failed and is being retried)
FINAL = (
    "REQUEST_STATE_COMPLETED",
    "REQUEST_STATE_FAILED",
    "REQUEST_STATE_CANCELLED",
    "REQUEST_STATE_DENIED",
)


def _stub(data_dir: Path) -> pb_grpc.PrivacyServiceStub:
    return pb_grpc.PrivacyServiceStub(Connection(data_dir).channel("consent", "compliance_officer"))


def _create(kind: int, who, jurisdiction: str, data_dir: Path, request_id: str):
    request = pb.CreateDataSubjectRequestRequest(
        request_id=request_id or str(uuid.uuid4()),
        type=kind,
        jurisdiction=jurisdiction,
        identities=who,
    )
    return guarded(lambda: _stub(data_dir).CreateDataSubjectRequest(request, timeout=60).request)


def _confirm(what: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        err_console.print(f"[red]error:[/] {what} cannot be undone; pass --yes to confirm")
        raise typer.Exit(USAGE)
    if not typer.confirm(f"{what} cannot be undone. Continue?"):
        raise typer.Exit(USAGE)


def _submit(
    kind: int,
    who,
    jurisdiction: str,
    data_dir: Path,
    wait: bool,
    as_json: bool,
    request_id: str = "",
):
    created = _create(kind, who, jurisdiction, data_dir, request_id)
    if not as_json:
        console.print(
            f"request [bold]{created.name}[/] received; due {created.due_time.ToJsonString()}"
        )
    final = _wait(created.name, data_dir, as_json) if wait else created
    if as_json:
        print_json(_summary(final))
    raise typer.Exit(_exit_code(final, wait))


def _wait(name: str, data_dir: Path, quiet: bool, timeout: float = 600.0) -> pb.DataSubjectRequest:
    deadline = time.monotonic() + timeout
    stub = _stub(data_dir)
    # rich's Live has no "disable": with --json, progress goes nowhere instead.
    with nullcontext(_NoProgress()) if quiet else Live(console=console) as live:
        while True:
            request = guarded(
                lambda: (
                    stub.GetDataSubjectRequest(
                        pb.GetDataSubjectRequestRequest(name=name), timeout=30
                    ).request
                )
            )
            live.update(_progress(request))
            if pb.RequestState.Name(request.state) in FINAL or time.monotonic() > deadline:
                return request
            time.sleep(0.2)


class _NoProgress:
    def update(self, _renderable: object) -> None:
        return None


def _progress(request: pb.DataSubjectRequest) -> Table:
    table = Table(
        "service",
        "state",
        "counts",
        "attempts",
        "last error",
        title=f"{request.name}: {_state(request.state)}",
    )
    for task in request.tasks:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(task.counts.items()))
        table.add_row(
            task.service, _state(task.state), counts, str(task.attempt_count), task.last_error
        )
    return table


def _state(value: int) -> str:
    return pb.RequestState.Name(value).removeprefix("REQUEST_STATE_")


def _summary(request: pb.DataSubjectRequest) -> dict:
    document = json_format.MessageToDict(request, preserving_proto_field_name=True)
    document.pop("export_json", None)
    return document


def _exit_code(request: pb.DataSubjectRequest, waited: bool) -> int:
    state = _state(request.state)
    if state == "COMPLETED" or not waited:
        return OK if state not in ("FAILED", "CANCELLED") else FAILED
    return PARTIAL_EXIT if state in ("PARTIAL", "IN_PROGRESS", "RECEIVED") else FAILED


@app.command(help="Write everything held on a person as machine-readable JSON.")
def export(
    out: Annotated[Path, typer.Option("--out", help="Where to write the JSON document.")],
    email: Email = None,
    phone: Phone = None,
    user_id: UserId = None,
    anonymous_id: AnonymousId = None,
    other: OtherId = None,
    jurisdiction: Jurisdiction = "gdpr",
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    created = _create(
        pb.REQUEST_TYPE_ACCESS,
        identifiers(email, phone, user_id, anonymous_id, other),
        jurisdiction,
        data_dir,
        "",
    )
    final = _wait(created.name, data_dir, as_json)
    if _state(final.state) != "COMPLETED":
        err_console.print(f"[red]error:[/] export {final.name} ended {_state(final.state)}")
        raise typer.Exit(PARTIAL_EXIT)
    out.write_bytes(final.export_json)
    out.with_suffix(".schema.json").write_text(json.dumps(EXPORT_SCHEMA, indent=2))
    if as_json:
        print_json({"request": final.name, "out": str(out)})
    else:
        console.print(f"wrote {out} ({len(final.export_json):,} bytes) and its JSON Schema")
    raise typer.Exit(OK)


def _simple(kind: int, help_text: str, confirm: str | None = None):
    def command(
        email: Email = None,
        phone: Phone = None,
        user_id: UserId = None,
        anonymous_id: AnonymousId = None,
        other: OtherId = None,
        jurisdiction: Jurisdiction = "gdpr",
        yes: Annotated[bool, typer.Option("--yes")] = False,
        wait: Wait = False,
        request_id: RequestId = "",
        data_dir: DataDir = Path(".cdp"),
        as_json: Json = False,
    ) -> None:
        who = identifiers(email, phone, user_id, anonymous_id, other)
        if confirm:
            _confirm(confirm, yes)
        _submit(kind, who, jurisdiction, data_dir, wait, as_json, request_id)

    command.__doc__ = help_text
    return command


app.command(
    name="erase", help="Erase everything the suite holds on a person (compliance officer only)."
)(_simple(pb.REQUEST_TYPE_ERASURE, "erase", "Erasing this person"))
app.command(name="restrict", help="Restrict processing of a person's data (kept, not used).")(
    _simple(pb.REQUEST_TYPE_RESTRICTION, "restrict")
)
app.command(name="unrestrict", help="Lift a restriction.")(
    _simple(pb.REQUEST_TYPE_RESTRICTION_LIFT, "unrestrict", "Lifting the restriction")
)
app.command(
    name="object", help="Record an objection to direct marketing (withdraws marketing purposes)."
)(_simple(pb.REQUEST_TYPE_OBJECTION, "object"))


@app.command(help="Show a request with its per-service progress.")
def status(
    request: Annotated[str, typer.Argument(help="Request id or dataSubjectRequests/<id>.")],
    wait: Wait = False,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    name = (
        request if request.startswith("dataSubjectRequests/") else f"dataSubjectRequests/{request}"
    )
    found = (
        _wait(name, data_dir, as_json)
        if wait
        else guarded(
            lambda: (
                _stub(data_dir)
                .GetDataSubjectRequest(pb.GetDataSubjectRequestRequest(name=name), timeout=30)
                .request
            )
        )
    )
    if as_json:
        print_json(_summary(found))
    elif not wait:
        console.print(_progress(found))
    raise typer.Exit(_exit_code(found, wait))


@app.command(name="list", help="List requests, newest first.")
def list_requests(
    limit: Annotated[int, typer.Option(min=1, help="How many (newest first).")] = 50,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    found = guarded(lambda: _list(_stub(data_dir), limit))
    if as_json:
        print_json([_summary(r) for r in found])
        raise typer.Exit(OK)
    table = Table("request", "type", "jurisdiction", "state", "received", "due")
    for r in found:
        table.add_row(
            r.name,
            pb.RequestType.Name(r.type).removeprefix("REQUEST_TYPE_"),
            r.jurisdiction,
            _state(r.state),
            r.receive_time.ToJsonString(),
            r.due_time.ToJsonString(),
        )
    console.print(table)
    raise typer.Exit(OK)


def _list(stub: pb_grpc.PrivacyServiceStub, limit: int) -> list[pb.DataSubjectRequest]:
    """Up to `limit` requests, page by page (the server answers at most LIST_PAGE at once)."""
    found: list[pb.DataSubjectRequest] = []
    token = ""
    while len(found) < limit:
        page = stub.ListDataSubjectRequests(
            pb.ListDataSubjectRequestsRequest(
                page_size=min(limit - len(found), LIST_PAGE), page_token=token
            ),
            timeout=30,
        )
        found.extend(page.requests)
        token = page.next_page_token
        if not token:
            break
    return found[:limit]


@app.command(
    help="Print a completed request's signed receipt, or verify a saved one offline (--verify)."
)
def receipt(
    request: Annotated[str, typer.Argument(help="Request id, or a receipt file with --verify.")],
    verify: Annotated[
        bool, typer.Option("--verify", help="Verify a saved receipt file offline.")
    ] = False,
    data_dir: DataDir = Path(".cdp"),
) -> None:
    if verify:
        raise typer.Exit(_verify_file(Path(request)))
    name = (
        request if request.startswith("dataSubjectRequests/") else f"dataSubjectRequests/{request}"
    )
    found = guarded(lambda: _stub(data_dir).GetReceipt(pb.GetReceiptRequest(name=name), timeout=30))
    print_json(
        {
            "payload": json.loads(found.payload),
            "payload_b64": base64.b64encode(found.payload).decode(),
            "signature_b64": base64.b64encode(found.signature).decode(),
            "public_key_b64": base64.b64encode(found.public_key).decode(),
            "algorithm": "Ed25519 over SHA-256(payload)",
        }
    )
    raise typer.Exit(OK)


def _verify_file(path: Path) -> int:
    import hashlib

    from cryptography.exceptions import InvalidSignature

    saved = json.loads(path.read_text())
    payload = base64.b64decode(saved["payload_b64"])
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(saved["public_key_b64"]))
    try:
        key.verify(base64.b64decode(saved["signature_b64"]), hashlib.sha256(payload).digest())
    except InvalidSignature:
        err_console.print("[red]receipt signature does NOT verify[/]")
        return FAILED
    console.print("[green]receipt signature verifies[/]")
    return OK


@app.command(help="Print the record of processing activities (GDPR Art. 30, PDPA s.39).")
def ropa(data_dir: DataDir = Path(".cdp"), as_json: Json = False) -> None:
    record = json.loads(
        guarded(
            lambda: (
                _stub(data_dir)
                .GetRecordOfProcessing(pb.GetRecordOfProcessingRequest(), timeout=30)
                .record_json
            )
        )
    )
    if as_json:
        print_json(record)
        raise typer.Exit(OK)
    console.print(f"[bold]Record of processing[/] — controller: {record['controller']}")
    table = Table("purpose", "lawful basis", "marketing", "recipients", "retention")
    for a in record["activities"]:
        table.add_row(
            a["purpose_id"],
            a["lawful_basis"],
            "yes" if a["marketing"] else "no",
            ", ".join(a["recipients"]),
            a["retention"],
        )
    console.print(table)
    console.print("data categories: " + ", ".join(record["data_categories"]))
    raise typer.Exit(OK)


EXPORT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://cdp.dev/schemas/subject-export.v1.json",
    "title": "Everything the CDP suite holds on one data subject",
    "type": "object",
    "required": ["request", "jurisdiction", "generated_at", "subject_ids", "services"],
    "properties": {
        "request": {"type": "string", "pattern": "^dataSubjectRequests/"},
        "jurisdiction": {"enum": ["gdpr", "pdpa-th", "pdpl-vn"]},
        "generated_at": {"type": "string", "format": "date-time"},
        "subject_ids": {
            "type": "array",
            "items": {"type": "string", "pattern": "^sub_[a-z2-7]{24}$"},
        },
        "services": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["service"],
                "properties": {"service": {"type": "string"}},
            },
        },
    },
}
