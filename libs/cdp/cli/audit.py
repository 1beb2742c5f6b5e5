"""`cdp audit verify`: check the audit hash chain and its signed checkpoints (auditor role)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as pb_grpc
from cdp.cli.connection import Connection
from cdp.cli.output import FAILED, OK, console, err_console, guarded, print_json

app = typer.Typer(help="The tamper-evident audit log of privileged actions.", no_args_is_help=True)


@app.command(help="Verify the audit hash chain and its checkpoints; exit 0 valid, 1 invalid.")
def verify(
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="The suite's data dir (dev tokens).")
    ] = Path(".cdp"),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    result = guarded(
        lambda: (
            pb_grpc.PrivacyServiceStub(Connection(data_dir).channel("consent", "auditor"))
            # Verification reads the whole chain: allow for a long one.
            .VerifyAuditChain(pb.VerifyAuditChainRequest(), timeout=300)
        )
    )
    if as_json:
        print_json(
            {
                "valid": result.valid,
                "entry_count": result.entry_count,
                "first_bad_sequence": result.first_bad_sequence if not result.valid else None,
                "problem": result.problem if not result.valid else None,
            }
        )
    elif result.valid:
        console.print(f"[green]audit chain valid[/]: {result.entry_count:,} entries checked")
    else:
        err_console.print(
            f"[red]audit chain INVALID[/] at sequence {result.first_bad_sequence}: "
            f"{result.problem} ({result.entry_count:,} entries checked)"
        )
    raise typer.Exit(OK if result.valid else FAILED)
