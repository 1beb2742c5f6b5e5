"""`cdp segments …`: define audiences, preview them, list their members, follow who enters and exits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated

import typer
from google.protobuf import field_mask_pb2, json_format
from rich.markup import escape

from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.api.segmentation.v1.segmentation_service_pb2_grpc import SegmentationServiceStub
from cdp.cli import watch as watching
from cdp.cli.output import FAILED, OK, console, err_console, guarded, print_json, usage_error
from cdp.cli.segmentation_api import (
    TIMEOUT,
    DataDir,
    Json,
    Title,
    Yes,
    delete_resource,
    guarded_condition,
    id_table,
    resource_name,
    stub,
)

LIST_PAGE = 500  # the server's largest page of segments
WAIT_LIMIT = 600.0  # seconds --wait waits for the first computation
NOT_FINISHED = 7  # README: still not finished when --wait gave up
COUNTS = ("member_count", "excluded_count", "membership_version")

app = typer.Typer(
    help="Audiences: people matching a condition who consented to the segment's purpose.",
    no_args_is_help=True,
)

SegmentId = Annotated[str, typer.Argument(help="The segment id (or segments/<id>).")]
Where = Annotated[str, typer.Option("--where", help='The condition, e.g. traits.country == "VN".')]
Purpose = Annotated[
    str, typer.Option("--purpose", help="Only people who consented to it are members.")
]
Wait = Annotated[
    bool, typer.Option("--wait", help="Wait until the membership is computed (progress on stderr).")
]


@app.command(help="Create a segment; with --wait, show it once its members are computed.")
def create(
    segment_id: SegmentId,
    where: Where,
    purpose: Purpose,
    title: Title = None,
    wait: Wait = False,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    request = pb.CreateSegmentRequest(
        segment=segment_pb2.Segment(display_name=title or "", condition=where, purpose=purpose),
        segment_id=segment_id.removeprefix("segments/"),
        request_id=str(uuid.uuid4()),  # a retried call creates it once
    )
    created = guarded_condition(
        lambda: stub(data_dir).CreateSegment(request, timeout=TIMEOUT).segment, where
    )
    _finish(created, wait, data_dir, as_json)


@app.command(name="list", help="List every segment with its state and counts.")
def list_segments(data_dir: DataDir = Path(".cdp"), as_json: Json = False) -> None:
    found = guarded(lambda: _all_segments(data_dir))
    if as_json:
        print_json([segment_document(s) for s in found])
        raise typer.Exit(OK)
    ids = [s.name.removeprefix("segments/") for s in found]
    table = id_table(ids, "segment", "title", "purpose", "state", "members", "excluded", "version")
    for segment_id, s in zip(ids, found, strict=True):
        table.add_row(
            segment_id, escape(s.display_name), s.purpose, _state(s), f"{s.member_count:,}",
            f"{s.excluded_count:,}", str(s.membership_version),
        )  # fmt: skip
    console.print(table if found else "no segments yet: create one with `cdp segments create`")
    raise typer.Exit(OK)


@app.command(help="Show a segment: condition, purpose, state, member and excluded counts.")
def get(segment_id: SegmentId, data_dir: DataDir = Path(".cdp"), as_json: Json = False) -> None:
    _show(_get(data_dir, resource_name(segment_id, "segments")), as_json)
    raise typer.Exit(OK)


@app.command(help="Count who a condition would hold (and who it would exclude) without saving it.")
def preview(
    where: Where,
    purpose: Purpose,
    sample: Annotated[int, typer.Option("--sample", min=0, max=100, help="Sample size.")] = 10,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    request = pb.PreviewSegmentRequest(condition=where, purpose=purpose, sample_size=sample)
    found = guarded_condition(
        lambda: stub(data_dir).PreviewSegment(request, timeout=TIMEOUT), where
    )
    if as_json:
        print_json(
            {
                "member_count": found.member_count,
                "excluded_count": found.excluded_count,
                "sample_profiles": list(found.sample_profiles),
            }
        )
        raise typer.Exit(OK)
    console.print(
        f"[bold]{found.member_count:,}[/] members, {found.excluded_count:,} excluded "
        f"(no consent for {escape(purpose)}, restricted or erased)"
    )
    for profile in found.sample_profiles:
        console.print(f"  {profile}", highlight=False)
    raise typer.Exit(OK)


@app.command(help="List a segment's members (profile names), one page or --all.")
def members(
    segment_id: SegmentId,
    page_size: Annotated[
        int, typer.Option("--page-size", min=1, max=1000, help="Members per page.")
    ] = 100,
    page_token: Annotated[str, typer.Option("--page-token", help="Continue a listing.")] = "",
    every: Annotated[bool, typer.Option("--all", help="Every page, not just one.")] = False,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    client = guarded(lambda: stub(data_dir))
    name, found, token = resource_name(segment_id, "segments"), [], page_token
    for page in _member_pages(client, name, page_size, page_token, every):
        token = page.next_page_token
        if as_json:
            found.extend(page.profiles)
        elif page.profiles:
            # Streamed page by page: a large segment shows (and pipes) as it arrives.
            print("\n".join(page.profiles), flush=True)
    _members_end(found, token, as_json)


def _member_pages(
    client: SegmentationServiceStub, name: str, size: int, token: str, every: bool
) -> Iterator[pb.ListSegmentMembersResponse]:
    """One page, or with `every` each page until the last."""
    while True:
        request = pb.ListSegmentMembersRequest(parent=name, page_size=size, page_token=token)
        page = guarded(lambda r=request: client.ListSegmentMembers(r, timeout=TIMEOUT))
        yield page
        token = page.next_page_token
        if not (every and token):
            return


def _members_end(found: list[str], token: str, as_json: bool) -> None:
    if as_json:
        print_json({"profiles": found, "next_page_token": token})
    elif token:
        err_console.print(f"more members: --all, or --page-token {token}", highlight=False)
    raise typer.Exit(OK)


@app.command(help="Change a segment's condition, purpose or title (membership is recomputed).")
def update(
    segment_id: SegmentId,
    where: Annotated[str | None, typer.Option("--where", help="The new condition.")] = None,
    purpose: Annotated[str | None, typer.Option("--purpose", help="The new purpose.")] = None,
    title: Title = None,
    wait: Wait = False,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    given = {"condition": where, "purpose": purpose, "display_name": title}
    paths = [path for path, value in given.items() if value is not None]
    if not paths:
        raise usage_error("give at least one of --where, --purpose, --title")
    segment = segment_pb2.Segment(
        name=resource_name(segment_id, "segments"),
        **{path: value for path, value in given.items() if value is not None},
    )
    request = pb.UpdateSegmentRequest(
        segment=segment, update_mask=field_mask_pb2.FieldMask(paths=paths)
    )
    updated = guarded_condition(
        lambda: stub(data_dir).UpdateSegment(request, timeout=TIMEOUT).segment, where or ""
    )
    _finish(updated, wait, data_dir, as_json)


@app.command(help="Delete a segment (asks first unless --yes); its open watches end.")
def delete(
    segment_id: SegmentId, yes: Yes = False, data_dir: DataDir = Path(".cdp"), as_json: Json = False
) -> None:
    name = resource_name(segment_id, "segments")
    request = pb.DeleteSegmentRequest(name=name)
    delete_resource(
        name,
        f"Deleting {name}",
        yes,
        lambda: stub(data_dir).DeleteSegment(request, timeout=TIMEOUT),
        as_json,
    )


app.command(name="watch", help="Follow who enters and exits a segment, one line per change.")(
    watching.watch
)


def segment_document(segment: segment_pb2.Segment) -> dict:
    """The segment as JSON, every field present and counts as numbers (proto JSON quotes int64)."""
    document = json_format.MessageToDict(
        segment, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    for key in COUNTS:
        document[key] = int(document.get(key, 0))
    return document


def _finish(segment: segment_pb2.Segment, wait: bool, data_dir: Path, as_json: bool) -> None:
    final = _wait(segment.name, data_dir) if wait else segment
    _show(final, as_json)
    if not wait or final.compute_state == segment_pb2.COMPUTE_STATE_READY:
        raise typer.Exit(OK)
    raise typer.Exit(
        FAILED if final.compute_state == segment_pb2.COMPUTE_STATE_FAILED else NOT_FINISHED
    )


def _wait(name: str, data_dir: Path) -> segment_pb2.Segment:
    """Polls until the segment is no longer COMPUTING (or WAIT_LIMIT passes); progress on stderr."""
    deadline = time.monotonic() + WAIT_LIMIT
    with _progress(f"computing {name}…"):
        while True:
            segment = _get(data_dir, name)
            if segment.compute_state != segment_pb2.COMPUTE_STATE_COMPUTING:
                return segment
            if time.monotonic() > deadline:
                err_console.print(f"{name} is still computing after {WAIT_LIMIT:.0f}s")
                return segment
            time.sleep(0.2)


def _progress(message: str) -> AbstractContextManager:
    # A spinner on a terminal; one plain line in a script's log.
    if err_console.is_terminal:
        return err_console.status(message)
    err_console.print(message, highlight=False)
    return nullcontext()


def _get(data_dir: Path, name: str) -> segment_pb2.Segment:
    request = pb.GetSegmentRequest(name=name)
    return guarded(lambda: stub(data_dir).GetSegment(request, timeout=TIMEOUT).segment)


def _all_segments(data_dir: Path) -> list[segment_pb2.Segment]:
    client, found, token = stub(data_dir), [], ""
    while True:
        request = pb.ListSegmentsRequest(page_size=LIST_PAGE, page_token=token)
        page = client.ListSegments(request, timeout=TIMEOUT)
        found.extend(page.segments)
        token = page.next_page_token
        if not token:
            return found


def _state(segment: segment_pb2.Segment) -> str:
    return segment_pb2.ComputeState.Name(segment.compute_state).removeprefix("COMPUTE_STATE_")


def _show(segment: segment_pb2.Segment, as_json: bool) -> None:
    if as_json:
        print_json(segment_document(segment))
        return
    title = f" — {escape(segment.display_name)}" if segment.display_name else ""
    console.print(f"[bold]{segment.name}[/]{title}", highlight=False)
    rows = [
        (
            "state",
            _state(segment) + (f": {segment.compute_error}" if segment.compute_error else ""),
        ),
        ("members", f"{segment.member_count:,}"),
        ("excluded", f"{segment.excluded_count:,} (no consent, restricted or erased)"),
        ("purpose", segment.purpose),
        ("condition", segment.condition),
        ("version", str(segment.membership_version)),
        ("updated", segment.update_time.ToJsonString()),
    ]
    for label, value in rows:
        console.print(f"  {label:<10} {escape(value)}", highlight=False, soft_wrap=True)
