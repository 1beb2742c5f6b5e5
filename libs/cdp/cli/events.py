"""`cdp events send FILE.jsonl | --from-export EXPORT.json`: Segment-spec messages in batches of
500, a progress bar, a summary."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from cdp.api.ingestion.v1 import event_pb2
from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc as pb_grpc
from cdp.cli.connection import Connection
from cdp.cli.output import (
    FAILED,
    INVALID,
    OK,
    console,
    err_console,
    guarded,
    print_json,
    usage_error,
)
from cdp.cli.reimport import NotAnExport, Rebuilt, read_export
from cdp.ingestion.segment_json import SegmentJsonError, event_from_json

BATCH = 500
STATUS_NAMES = {
    pb.EVENT_STATUS_ACCEPTED: "accepted",
    pb.EVENT_STATUS_DUPLICATE: "duplicate",
    pb.EVENT_STATUS_REJECTED: "rejected",
    pb.EVENT_STATUS_SUPPRESSED: "suppressed",
}
# (source, line or export position per event, events, problems found before sending)
Batch = tuple[str, list[int], list[event_pb2.Event], list[dict]]


def send(
    file: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="JSON lines, one message each."),
    ] = None,
    from_export: Annotated[
        Path | None,
        typer.Option(
            "--from-export",
            exists=True,
            dir_okay=False,
            help="Re-send the events of an access export written by `cdp privacy export`, with "
            "their original message ids; problems name positions in services.ingestion.events.",
        ),
    ] = None,
    source: Annotated[
        str,
        typer.Option(
            help="Source name for dedup (default: the caller; with --from-export, each event's "
            "original source)."
        ),
    ] = "",
    data_dir: Annotated[Path, typer.Option("--data-dir")] = Path(".cdp"),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    total, batches = _work(file, from_export, source)
    counts, problems = guarded(lambda: _send_all(_ingestion(data_dir), total, batches, not as_json))
    _report(counts, problems, as_json, "line" if file is not None else "event")
    raise typer.Exit(OK if not problems else INVALID if counts["accepted"] else FAILED)


def _ingestion(data_dir: Path) -> pb_grpc.IngestionServiceStub:
    return pb_grpc.IngestionServiceStub(Connection(data_dir).channel("ingestion", "ingest_writer"))


def _work(file: Path | None, export: Path | None, source: str) -> tuple[int, Iterator[Batch]]:
    """How many messages, and their batches, from a JSON-lines file or an access export."""
    if (file is None) == (export is None):
        raise usage_error("give either a FILE of JSON lines or --from-export EXPORT.json")
    if file is not None:
        lines = sum(1 for line in file.open(encoding="utf-8") if line.strip())
        return lines, ((source, *batch) for batch in _batches(file))
    try:
        rebuilt = read_export(export)
    except NotAnExport as exc:
        raise usage_error(f"--from-export: {exc}") from exc
    return len(rebuilt), _export_batches(rebuilt, source)


def _send_all(
    stub, total: int, batches: Iterable[Batch], show_progress: bool
) -> tuple[Counter, list[dict]]:
    counts: Counter = Counter({name: 0 for name in STATUS_NAMES.values()})
    problems: list[dict] = []
    with Progress(console=err_console, disable=not show_progress, transient=True) as progress:
        task = progress.add_task("sending", total=total)
        for source, offset, events, bad in batches:
            problems.extend(bad)
            counts["rejected"] += len(bad)
            if events:
                response = stub.IngestEvents(
                    pb.IngestEventsRequest(source=source, events=events), timeout=60
                )
                _tally(response, offset, counts, problems)
            progress.advance(task, len(events) + len(bad))
    return counts, problems


def _export_batches(rebuilt: list[Rebuilt], source: str) -> Iterator[Batch]:
    """Consecutive events of one source, BATCH at most (a request carries a single source)."""
    positions: list[int] = []
    events: list[event_pb2.Event] = []
    bad: list[dict] = []
    current = source
    for item in rebuilt:
        if item.event is None:
            bad.append(_unparseable(item.position, item.problem))
            continue
        item_source = source or item.source
        if events and (item_source != current or len(events) == BATCH):
            yield current, positions, events, bad
            positions, events, bad = [], [], []
        current = item_source
        positions.append(item.position)
        events.append(item.event)
    yield current, positions, events, bad


def _unparseable(position: int, problem: SegmentJsonError | None) -> dict:
    return {
        "line": position,
        "status": "rejected",
        "reason": "UNPARSEABLE",
        "field": problem.field if problem is not None else "",
        "description": type(problem).__name__,
    }


def _batches(file: Path) -> Iterator[tuple[list[int], list, list[dict]]]:
    """Parses lines into Event protos; unparseable lines become problems (line numbers, never content)."""
    offsets, events, bad = [], [], []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                events.append(event_from_json(json.loads(line)))
                offsets.append(number)
            except (json.JSONDecodeError, SegmentJsonError) as exc:
                bad.append(
                    {
                        "line": number,
                        "status": "rejected",
                        "reason": "UNPARSEABLE",
                        "field": "",
                        "description": type(exc).__name__,
                    }
                )
            if len(events) == BATCH:
                yield offsets, events, bad
                offsets, events, bad = [], [], []
    yield offsets, events, bad


def _tally(
    response: pb.IngestEventsResponse, lines: list[int], counts: Counter, problems: list[dict]
) -> None:
    for result in response.results:
        name = STATUS_NAMES.get(result.status, "rejected")
        counts[name] += 1
        if result.status in (pb.EVENT_STATUS_REJECTED, pb.EVENT_STATUS_SUPPRESSED):
            problems.append(
                {
                    "line": lines[result.index],
                    "status": name,
                    "reason": result.reason,
                    "field": result.field,
                    "description": result.description,
                }
            )


def _report(counts: Counter, problems: list[dict], as_json: bool, unit: str) -> None:
    if as_json:
        print_json({"counts": dict(counts), "problems": problems})
        return
    table = Table(title="events sent")
    for name in counts:
        table.add_column(name, justify="right")
    table.add_row(*(str(value) for value in counts.values()))
    console.print(table)
    for problem in problems[:50]:
        field = f" {problem['field']}" if problem["field"] else ""
        console.print(f"  {unit} {problem['line']}: {problem['status']} {problem['reason']}{field}")
    if len(problems) > 50:
        console.print(f"  … and {len(problems) - 50} more (use --json for all)")
