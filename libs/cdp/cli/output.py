"""Rendering for people (rich) and machines (--json), and the CLI's exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TypeVar

import grpc
import typer
from google.protobuf import json_format
from rich.console import Console
from rich.markup import escape

from cdp.cli.connection import SuiteNotRunning
from cdp.grpcx.status import error_info

T = TypeVar("T")

# Documented exit codes (README): scripts branch on them.
OK, FAILED, USAGE, NOT_FOUND, UNAVAILABLE, DENIED, INVALID = 0, 1, 2, 3, 4, 5, 6

console = Console()
# soft_wrap: an error stays one line however narrow the terminal (or none at all).
err_console = Console(stderr=True, soft_wrap=True)

_CODES = {
    grpc.StatusCode.NOT_FOUND: NOT_FOUND,
    grpc.StatusCode.UNAVAILABLE: UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: UNAVAILABLE,
    grpc.StatusCode.PERMISSION_DENIED: DENIED,
    grpc.StatusCode.UNAUTHENTICATED: DENIED,
    grpc.StatusCode.INVALID_ARGUMENT: INVALID,
    grpc.StatusCode.FAILED_PRECONDITION: INVALID,
}


def print_json(message_or_obj) -> None:
    if hasattr(message_or_obj, "DESCRIPTOR"):
        text = json_format.MessageToJson(message_or_obj, preserving_proto_field_name=True)
    else:
        text = json.dumps(message_or_obj, indent=2, ensure_ascii=False)
    sys.stdout.write(text + "\n")


def rpc_failure(err: grpc.RpcError) -> int:
    """One clear line on stderr for a failed call, never a stack trace; returns the exit code."""
    info = error_info(err)
    reason = f" [{info.reason}]" if info else ""
    field = f" (field {info.metadata['field']})" if info and "field" in info.metadata else ""
    if err.code() == grpc.StatusCode.UNAVAILABLE and info is None:
        err_console.print("[red]error:[/] the suite is not reachable: is `cdp up` running?")
    else:
        detail = escape(f"{err.code().name}{reason}: {err.details()}{field}")
        err_console.print(f"[red]error:[/] {detail}")
    return _CODES.get(err.code(), FAILED)


def guarded(action: Callable[[], T]) -> T:
    """Runs calls to the suite; a failure becomes one stderr line and its documented exit code."""
    try:
        return action()
    except SuiteNotRunning as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(UNAVAILABLE) from exc
    except grpc.RpcError as err:
        raise typer.Exit(rpc_failure(err)) from err


def usage_error(message: str) -> typer.Exit:
    """A mistake on the command line: one stderr line (naming options, never values), exit 2."""
    err_console.print(f"[red]error:[/] {message}")
    return typer.Exit(USAGE)
