"""Naming a person on the command line: --email, --phone, --user-id, --anonymous-id, --id TYPE=VALUE."""

from __future__ import annotations

from typing import Annotated

import typer

from cdp.api.identity.v1 import identifier_pb2
from cdp.cli.output import USAGE, err_console

Email = Annotated[list[str] | None, typer.Option("--email", help="An email address of the person.")]
Phone = Annotated[
    list[str] | None, typer.Option("--phone", help="A phone number (VN/TH national formats ok).")
]
UserId = Annotated[list[str] | None, typer.Option("--user-id", help="A user id.")]
AnonymousId = Annotated[list[str] | None, typer.Option("--anonymous-id", help="An anonymous id.")]
OtherId = Annotated[
    list[str] | None, typer.Option("--id", help="Any identifier as TYPE=VALUE, e.g. device_id=abc.")
]


def identifiers(
    email=None, phone=None, user_id=None, anonymous_id=None, other=None
) -> list[identifier_pb2.Identifier]:
    found = [
        identifier_pb2.Identifier(type=kind, value=value)
        for kind, values in (
            ("email", email),
            ("phone", phone),
            ("user_id", user_id),
            ("anonymous_id", anonymous_id),
        )
        for value in values or ()
    ]
    for item in other or ():
        kind, sep, value = item.partition("=")
        if not sep or not kind or not value:
            err_console.print("[red]error:[/] --id takes TYPE=VALUE, e.g. --id device_id=abc")
            raise typer.Exit(USAGE)
        found.append(identifier_pb2.Identifier(type=kind.strip(), value=value))
    if not found:
        err_console.print(
            "[red]error:[/] name the person with --email, --phone, --user-id, --anonymous-id or --id"
        )
        raise typer.Exit(USAGE)
    return found
