"""`cdp traits …`: computed traits, aggregates over each person's events kept current by the suite."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from google.protobuf import json_format
from rich.markup import escape

from cdp.api.segmentation.v1 import computed_trait_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.cli.output import OK, console, guarded, print_json
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

LIST_PAGE = 500  # the server's largest page

app = typer.Typer(
    help="Computed traits: per-person aggregates of events, usable in segment conditions.",
    no_args_is_help=True,
)
Key = Annotated[
    str, typer.Argument(help="The trait key, lower_snake_case (or computedTraits/<key>).")
]


@app.command(
    help="Define a computed trait; the suite computes it for everyone and keeps it current."
)
def create(
    key: Key,
    expr: Annotated[
        str,
        typer.Option(
            "--expr", help='The aggregate, e.g. event("Order Completed").count(within = 30d).'
        ),
    ],
    title: Title = None,
    data_dir: DataDir = Path(".cdp"),
    as_json: Json = False,
) -> None:
    request = pb.CreateComputedTraitRequest(
        computed_trait=computed_trait_pb2.ComputedTrait(display_name=title or "", expression=expr),
        computed_trait_id=key.removeprefix("computedTraits/"),
    )
    created = guarded_condition(
        lambda: stub(data_dir).CreateComputedTrait(request, timeout=TIMEOUT).computed_trait, expr
    )
    _show(created, as_json)
    raise typer.Exit(OK)


@app.command(name="list", help="List every computed trait.")
def list_traits(data_dir: DataDir = Path(".cdp"), as_json: Json = False) -> None:
    found = guarded(lambda: _all_traits(data_dir))
    if as_json:
        print_json([trait_document(t) for t in found])
        raise typer.Exit(OK)
    table = id_table([_key(t) for t in found], "key", "title", "expression", "created")
    for t in found:
        table.add_row(
            _key(t), escape(t.display_name), escape(t.expression), t.create_time.ToJsonString()
        )
    console.print(table if found else "no computed traits yet: create one with `cdp traits create`")
    raise typer.Exit(OK)


@app.command(help="Show a computed trait's definition.")
def get(key: Key, data_dir: DataDir = Path(".cdp"), as_json: Json = False) -> None:
    request = pb.GetComputedTraitRequest(name=resource_name(key, "computedTraits"))
    found = guarded(lambda: stub(data_dir).GetComputedTrait(request, timeout=TIMEOUT))
    _show(found.computed_trait, as_json)
    raise typer.Exit(OK)


@app.command(
    help="Delete a computed trait (asks first unless --yes; refused while a segment uses it)."
)
def delete(
    key: Key, yes: Yes = False, data_dir: DataDir = Path(".cdp"), as_json: Json = False
) -> None:
    name = resource_name(key, "computedTraits")
    request = pb.DeleteComputedTraitRequest(name=name)
    delete_resource(
        name,
        f"Deleting {name} and every value computed for it",
        yes,
        lambda: stub(data_dir).DeleteComputedTrait(request, timeout=TIMEOUT),
        as_json,
    )


def trait_document(trait: computed_trait_pb2.ComputedTrait) -> dict:
    """The definition as JSON, with its key (how conditions and profiles name it)."""
    document = json_format.MessageToDict(
        trait, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return {"key": _key(trait), **document}


def _key(trait: computed_trait_pb2.ComputedTrait) -> str:
    return trait.name.removeprefix("computedTraits/")


def _all_traits(data_dir: Path) -> list[computed_trait_pb2.ComputedTrait]:
    client, found, token = stub(data_dir), [], ""
    while True:
        request = pb.ListComputedTraitsRequest(page_size=LIST_PAGE, page_token=token)
        page = client.ListComputedTraits(request, timeout=TIMEOUT)
        found.extend(page.computed_traits)
        token = page.next_page_token
        if not token:
            return found


def _show(trait: computed_trait_pb2.ComputedTrait, as_json: bool) -> None:
    if as_json:
        print_json(trait_document(trait))
        return
    title = f" — {escape(trait.display_name)}" if trait.display_name else ""
    console.print(f"[bold]{trait.name}[/]{title}", highlight=False)
    console.print(f"  expression  {escape(trait.expression)}", highlight=False, soft_wrap=True)
    console.print(f"  in segments as computed.{_key(trait)}", highlight=False)
    console.print(f"  created     {trait.create_time.ToJsonString()}", highlight=False)
