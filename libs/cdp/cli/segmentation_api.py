"""Shared by `cdp segments` and `cdp traits`: the stub, names, confirmation, condition errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import grpc
import typer
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Column, Table

from cdp.api.segmentation.v1 import segmentation_service_pb2_grpc as pb_grpc
from cdp.cli.connection import Connection
from cdp.cli.output import OK, USAGE, console, err_console, guarded, print_json, rpc_failure
from cdp.grpcx.status import error_info

T = TypeVar("T")

ROLE = "segment_admin"
TIMEOUT = 30.0
# The excerpt under a condition error shows at most this many characters of the offending line.
EXCERPT = 72

DataDir = Annotated[Path, typer.Option("--data-dir", help="The suite's data dir (dev tokens).")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
Yes = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]
Title = Annotated[str | None, typer.Option("--title", help="Human-readable title.")]


def stub(data_dir: Path) -> pb_grpc.SegmentationServiceStub:
    channel = Connection(data_dir).channel("segmentation", ROLE)
    return pb_grpc.SegmentationServiceStub(channel)


def resource_name(value: str, collection: str) -> str:
    """`vip` or `segments/vip` -> `segments/vip` (the same for computedTraits/)."""
    prefix = f"{collection}/"
    return value if value.startswith(prefix) else prefix + value


def confirm(what: str, yes: bool) -> None:
    """Asks on a terminal; without one, a destructive action needs --yes (exit 2 otherwise)."""
    if yes:
        return
    if not sys.stdin.isatty():
        err_console.print(f"[red]error:[/] {escape(what)} cannot be undone; pass --yes to confirm")
        raise typer.Exit(USAGE)
    if not typer.confirm(f"{what} cannot be undone. Continue?"):
        raise typer.Exit(USAGE)


def delete_resource(
    name: str, what: str, yes: bool, call: Callable[[], object], as_json: bool
) -> None:
    """Asks first (unless --yes), deletes, says what went; the command's shared tail."""
    confirm(what, yes)
    guarded(call)
    if as_json:
        print_json({"deleted": name})
    else:
        console.print(f"deleted {name}", highlight=False)
    raise typer.Exit(OK)


def guarded_condition(action: Callable[[], T], text: str) -> T:
    """Like `guarded`, and a condition error also shows the offending line with a caret."""

    def attempt() -> T:
        try:
            return action()
        except grpc.RpcError as err:
            code = rpc_failure(err)
            _show_position(err, text)
            raise typer.Exit(code) from err

    return guarded(attempt)


def _show_position(err: grpc.RpcError, text: str) -> None:
    info = error_info(err)
    if info is None or info.reason != "INVALID_CONDITION":
        return
    try:
        line, column = int(info.metadata["line"]), int(info.metadata["column"])
    except (KeyError, ValueError):
        return  # a tree without positions: the message names the field path instead
    for row in caret_excerpt(text, line, column):
        err_console.print(escape(row), highlight=False)


def caret_excerpt(text: str, line: int, column: int) -> list[str]:
    """The 1-based line of `text` and a caret under the 1-based column, cut to EXCERPT chars."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines) or column < 1:
        return []
    # Tabs become one space so that the caret's offset matches what the terminal shows.
    row = lines[line - 1].replace("\t", " ").rstrip("\r")
    start = max(0, min(column - 1 - EXCERPT // 2, len(row) - EXCERPT))
    shown = row[start : start + EXCERPT]
    lead = "…" if start else ""
    tail = "…" if start + EXCERPT < len(row) else ""
    prefix = f"  {line} | " if len(lines) > 1 else "  "
    pad = " " * cell_len(prefix + lead + shown[: column - 1 - start])
    return [f"{prefix}{lead}{shown}{tail}", f"{pad}^"]


def id_table(ids: list[str], *headers: str) -> Table:
    """A table whose first column (ids) is never cut or folded: ids are copied into commands."""
    first = Column(headers[0], min_width=max(map(len, ids), default=0), no_wrap=True)
    return Table(first, *(Column(h, overflow="fold") for h in headers[1:]))
