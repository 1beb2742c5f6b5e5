"""`cdp up`: start all five services, print the endpoints, renew dev tokens, stop cleanly on Ctrl-C."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from cdp.cli.output import FAILED, console, err_console
from cdp.cli.suite import START_ORDER, Suite
from cdp.config.http_edge import dev_write_key_path

TOKEN_RENEWAL_SECONDS = 5 * 60


def up(
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Where the suite keeps its data.")
    ] = Path(".cdp"),
) -> None:
    suite = Suite(data_dir)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        with console.status("starting the suite…"):
            suite.start_all()
    except (TimeoutError, RuntimeError) as exc:
        suite.stop_all()
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(FAILED) from exc
    _print_endpoints(suite)
    while not stop.wait(TOKEN_RENEWAL_SECONDS):
        suite.refresh_tokens()
    console.print("stopping…")
    suite.stop_all()


def _print_endpoints(suite: Suite) -> None:
    console.print(
        f"[green]CDP suite is up[/] (data in {suite.data_dir}, dev tokens in {suite.data_dir}/tokens)"
    )
    for service in START_ORDER:
        console.print(f"  {service:<13} 127.0.0.1:{suite.ports[service]}")
    console.print(f"  {'http edge':<13} {suite.http_endpoint}  (Segment API: /v1/batch, ...)")
    # soft_wrap: the path stays whole (copyable) however narrow the terminal.
    console.print(f"  {'write key':<13} {dev_write_key_path(suite.data_dir)}", soft_wrap=True)
    console.print("Ctrl-C stops it.")
