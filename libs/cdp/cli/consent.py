"""`cdp consent …`: record grants, denials and withdrawals with their evidence; show a person's state."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from google.protobuf import json_format, timestamp_pb2
from rich.table import Table

from cdp.api.consent.v1 import consent_service_pb2 as pb
from cdp.api.consent.v1 import consent_service_pb2_grpc as pb_grpc
from cdp.api.identity.v1 import identifier_pb2
from cdp.cli.connection import Connection
from cdp.cli.identities import AnonymousId, Email, OtherId, Phone, UserId, identifiers
from cdp.cli.output import OK, console, guarded, print_json, usage_error

ROLE = "consent_manager"
HISTORY_PAGE = 1000

app = typer.Typer(
    help="Consent per purpose: grant, deny or withdraw (all equally easy), and show it.",
    no_args_is_help=True,
)


class Language(StrEnum):
    vi = "vi"
    th = "th"
    en = "en"


class Method(StrEnum):
    checkbox = "checkbox"
    sms_syntax = "sms_syntax"
    voice = "voice"
    written = "written"
    api = "api"


class Jurisdiction(StrEnum):
    gdpr = "gdpr"
    pdpa_th = "pdpa-th"
    pdpl_vn = "pdpl-vn"


DataDir = Annotated[Path, typer.Option("--data-dir", help="The suite's data dir (dev tokens).")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
Purpose = Annotated[str, typer.Option("--purpose", help="The purpose, e.g. email_marketing.")]
NoticeId = Annotated[str, typer.Option("--notice-id", help="The id of the notice shown.")]
NoticeFile = Annotated[
    Path | None,
    typer.Option(
        "--notice-file",
        exists=True,
        dir_okay=False,
        help="The exact notice text shown (UTF-8); stored once by its SHA-256.",
    ),
]
NoticeSha256 = Annotated[
    str,
    typer.Option("--notice-sha256", help="SHA-256 (hex) of a notice text the suite already has."),
]
LanguageOpt = Annotated[Language, typer.Option("--language", help="The notice's language.")]
Channel = Annotated[str, typer.Option("--channel", help="Where it was given, e.g. web, app.")]
MethodOpt = Annotated[Method, typer.Option("--method", help="How it was given.")]
JurisdictionOpt = Annotated[
    Jurisdiction, typer.Option("--jurisdiction", help="The law it falls under.")
]
EvidenceRef = Annotated[
    str,
    typer.Option(
        "--evidence-ref",
        help="Reference to stored evidence (opaque id); default cli:<request-id>, this command.",
    ),
]
ValidFrom = Annotated[
    str, typer.Option("--valid-from", help="ISO 8601 time it holds from (no zone = UTC).")
]
Expires = Annotated[str, typer.Option("--expires", help="ISO 8601 time it lapses (no zone = UTC).")]
RequestId = Annotated[str, typer.Option("--request-id", help="Idempotency key (UUID).")]

_STATUSES = {
    "grant": pb.CONSENT_STATUS_GRANTED,
    "deny": pb.CONSENT_STATUS_DENIED,
    "withdraw": pb.CONSENT_STATUS_WITHDRAWN,
}


def _stub(data_dir: Path) -> pb_grpc.ConsentServiceStub:
    return pb_grpc.ConsentServiceStub(Connection(data_dir).channel("consent", ROLE))


def _recorder(verb: str) -> Callable[..., None]:
    """One implementation for grant, deny and withdraw: same options, same role (GDPR 7(3))."""
    status = _STATUSES[verb]

    def command(
        *,
        email: Email = None,
        phone: Phone = None,
        user_id: UserId = None,
        anonymous_id: AnonymousId = None,
        other: OtherId = None,
        purpose: Purpose,
        notice_id: NoticeId,
        notice_file: NoticeFile = None,
        notice_sha256: NoticeSha256 = "",
        language: LanguageOpt,
        channel: Channel,
        method: MethodOpt,
        jurisdiction: JurisdictionOpt,
        evidence_ref: EvidenceRef = "",
        valid_from: ValidFrom = "",
        expires: Expires = "",
        request_id: RequestId = "",
        data_dir: DataDir = Path(".cdp"),
        as_json: Json = False,
    ) -> None:
        subject = _one_identifier(email, phone, user_id, anonymous_id, other)
        notice_text, digest = _notice(notice_file, notice_sha256)
        record = pb.ConsentRecord(
            purpose=purpose,
            status=status,
            notice_id=notice_id,
            notice_sha256=digest,
            language=language.value,
            channel=channel,
            method=pb.ConsentMethod.Value(f"CONSENT_METHOD_{method.value.upper()}"),
            jurisdiction=jurisdiction.value,
        )
        _set_time(record.valid_from, valid_from, "--valid-from")
        _set_time(record.expire_time, expires, "--expires")
        key = _request_id(request_id)
        record.evidence_ref = evidence_ref or f"cli:{key}"
        request = pb.RecordConsentRequest(
            subject=subject, record=record, notice_text=notice_text, request_id=key
        )
        saved = guarded(lambda: _stub(data_dir).RecordConsent(request, timeout=30).record)
        _show_recorded(saved, as_json)
        raise typer.Exit(OK)

    return command


def _one_identifier(*given) -> identifier_pb2.Identifier:
    found = identifiers(*given)
    if len(found) != 1:
        raise usage_error(
            "name the person with exactly one of --email, --phone, --user-id, --anonymous-id, --id"
        )
    return found[0]


def _notice(notice_file: Path | None, notice_sha256: str) -> tuple[str, str]:
    """The text to store (from a file) and its hash; exactly one of the two options."""
    if (notice_file is None) == (not notice_sha256):
        raise usage_error("give exactly one of --notice-file or --notice-sha256")
    if notice_file is None:
        return "", notice_sha256.lower()
    # Bytes, not text mode: newline translation would change the hash of what was shown.
    raw = notice_file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise usage_error("--notice-file is not UTF-8 text") from None
    return text, hashlib.sha256(raw).hexdigest()


def _set_time(field: timestamp_pb2.Timestamp, value: str, option: str) -> None:
    if not value:
        return
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise usage_error(
            f"{option} is not an ISO 8601 time, e.g. 2026-01-31T09:00:00+07:00"
        ) from None
    field.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _request_id(value: str) -> str:
    if not value:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise usage_error("--request-id is not a UUID") from None


def _show_recorded(record: pb.ConsentRecord, as_json: bool) -> None:
    if as_json:
        print_json(record)
        return
    console.print(
        f"recorded [bold]{_status(record.status)}[/] for [bold]{record.purpose}[/]"
        f" ({record.name}, subject {record.subject_id})"
    )


def _status(value: int) -> str:
    return pb.ConsentStatus.Name(value).removeprefix("CONSENT_STATUS_")


for _verb, _help in (
    ("grant", "Record that the person granted consent for a purpose."),
    ("deny", "Record that the person refused consent for a purpose."),
    ("withdraw", "Record that the person withdrew consent for a purpose (as easy as granting)."),
):
    app.command(name=_verb, help=_help)(_recorder(_verb))


@app.command(help="Show a person's consent per purpose and, with --history, every record.")
def show(
    email: Email = None,
    phone: Phone = None,
    user_id: UserId = None,
    anonymous_id: AnonymousId = None,
    other: OtherId = None,
    history: Annotated[bool, typer.Option("--history", help="Also list every record.")] = False,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    subject = _one_identifier(email, phone, user_id, anonymous_id, other)
    stub = guarded(lambda: _stub(data_dir))
    state = guarded(
        lambda: stub.GetConsentState(pb.GetConsentStateRequest(subject=subject), timeout=30)
    )
    records = guarded(lambda: _history(stub, subject)) if history else None
    if as_json:
        document = json_format.MessageToDict(state, preserving_proto_field_name=True)
        document.setdefault("purposes", [])
        if records is not None:
            document["history"] = [
                json_format.MessageToDict(r, preserving_proto_field_name=True) for r in records
            ]
        print_json(document)
    else:
        _render(state, records)
    raise typer.Exit(OK)


def _history(
    stub: pb_grpc.ConsentServiceStub, subject: identifier_pb2.Identifier
) -> list[pb.ConsentRecord]:
    """Every page, oldest first."""
    records: list[pb.ConsentRecord] = []
    token = ""
    while True:
        page = stub.ListConsentHistory(
            pb.ListConsentHistoryRequest(subject=subject, page_size=HISTORY_PAGE, page_token=token),
            timeout=30,
        )
        records.extend(page.records)
        token = page.next_page_token
        if not token:
            return records


def _render(state: pb.GetConsentStateResponse, records: list[pb.ConsentRecord] | None) -> None:
    table = Table("purpose", "status", "decided by", title=f"consent of {state.subject_id}")
    for purpose in state.purposes:
        table.add_row(purpose.purpose, _status(purpose.status), purpose.record)
    console.print(table if state.purposes else "no consent recorded: nothing is granted")
    if records is None:
        return
    log = Table(
        "recorded (UTC)",
        "purpose",
        "status",
        "method",
        "channel",
        "notice",
        "lang",
        "law",
        "actor",
        title="history (oldest first)",
    )
    for r in records:
        log.add_row(
            r.record_time.ToDatetime().strftime("%Y-%m-%d %H:%M:%S"),
            r.purpose,
            _status(r.status),
            pb.ConsentMethod.Name(r.method).removeprefix("CONSENT_METHOD_").lower(),
            r.channel,
            r.notice_id,
            r.language,
            r.jurisdiction,
            r.actor,
        )
    console.print(log)
