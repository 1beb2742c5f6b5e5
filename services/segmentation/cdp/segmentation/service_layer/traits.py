"""Computed trait definitions: create, read, list, delete."""

from __future__ import annotations

from cdp.db import write_transaction
from cdp.errors import AlreadyExists, FailedPrecondition, NotFound
from cdp.segmentation.adapters import computed
from cdp.segmentation.adapters.definitions import Definitions
from cdp.segmentation.domain.conditions import ast
from cdp.segmentation.domain.conditions.checks import check_aggregate, references
from cdp.segmentation.domain.segments import ComputedTrait, check_display_name, check_trait_key
from cdp.segmentation.service_layer.context import MEMBERSHIP_LOCK, Context


def create_computed_trait(
    ctx: Context, key: str, display_name: str, aggregate: ast.Aggregate
) -> ComputedTrait:
    check_trait_key(key)
    check_display_name(display_name, field="computed_trait.display_name")
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        definitions = Definitions(conn)
        if definitions.computed_trait(key) is not None:
            raise AlreadyExists("COMPUTED_TRAIT_EXISTS", f"computedTraits/{key} already exists")
        check_aggregate(aggregate, field="computed_trait.expression")
        trait = ComputedTrait(key, display_name, aggregate, create_time=ctx.clock())
        definitions.add_computed_trait(trait)
    ctx.compute_requested()
    return trait


def get_computed_trait(ctx: Context, key: str) -> ComputedTrait:
    with ctx.engine.connect() as conn:
        trait = Definitions(conn).computed_trait(key)
    if trait is None:
        raise NotFound("COMPUTED_TRAIT_NOT_FOUND", f"computedTraits/{key} does not exist")
    return trait


def list_computed_traits(ctx: Context, after: str, size: int) -> list[ComputedTrait]:
    with ctx.engine.connect() as conn:
        return Definitions(conn).computed_traits(after, size)


def delete_computed_trait(ctx: Context, key: str) -> None:
    with write_transaction(ctx.engine, MEMBERSHIP_LOCK) as conn:
        definitions = Definitions(conn)
        if definitions.computed_trait(key) is None:
            raise NotFound("COMPUTED_TRAIT_NOT_FOUND", f"computedTraits/{key} does not exist")
        traits = definitions.computed_map()
        for segment in definitions.segments():
            if key in references(segment.condition, traits).computed_keys:
                raise FailedPrecondition(
                    "COMPUTED_TRAIT_IN_USE",
                    f"computedTraits/{key} is used by the condition of segments/{segment.id}",
                )
        forgotten = computed.forget(conn, key)
        definitions.remove_computed_trait(key)
    if forgotten:
        ctx.computed_committed()
