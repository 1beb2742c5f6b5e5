"""Segment and computed-trait definitions and the rules for naming and changing them."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from enum import IntEnum

from cdp.errors import Aborted, InvalidArgument, field_required, value_too_long
from cdp.segmentation.domain.conditions import ast

SEGMENT_ID = re.compile(r"[a-z][a-z0-9-]{0,62}[a-z0-9]")
TRAIT_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
PURPOSE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_DISPLAY_NAME = 200


class ComputeState(IntEnum):
    """Mirrors cdp.api.segmentation.v1.ComputeState."""

    COMPUTING = 1
    READY = 2
    FAILED = 3


@dataclass(frozen=True)
class Segment:
    id: str
    display_name: str
    condition: ast.Node
    purpose: str
    state: ComputeState = ComputeState.COMPUTING
    error: str = ""
    member_count: int = 0
    excluded_count: int = 0
    version: int = 0
    etag: str = ""
    create_time: int = 0
    update_time: int = 0

    @property
    def name(self) -> str:
        return f"segments/{self.id}"

    def changed(self, now: int, **values: object) -> Segment:
        """A new revision: new etag, and computing again when the condition or purpose changed."""
        recompute = "condition" in values or "purpose" in values
        state = ComputeState.COMPUTING if recompute else self.state
        return replace(self, **values, state=state, etag=new_etag(), update_time=now)


@dataclass(frozen=True)
class ComputedTrait:
    key: str
    display_name: str
    aggregate: ast.Aggregate
    create_time: int = 0

    @property
    def name(self) -> str:
        return f"computedTraits/{self.key}"


class StaleSegment(Aborted):
    def __init__(self, segment_id: str) -> None:
        super().__init__(
            "SEGMENT_ETAG_MISMATCH",
            f"segments/{segment_id} changed since it was read",
            field="etag",
        )


def new_etag() -> str:
    return secrets.token_hex(8)


def check_segment_id(segment_id: str, field: str = "segment_id") -> str:
    if not SEGMENT_ID.fullmatch(segment_id):
        raise InvalidArgument(
            "INVALID_SEGMENT_ID",
            "segment ids are 2-64 characters of lower-case letters, digits and '-', "
            "starting with a letter",
            field=field,
        )
    return segment_id


def check_trait_key(key: str, field: str = "computed_trait_id") -> str:
    if not TRAIT_KEY.fullmatch(key):
        raise InvalidArgument(
            "INVALID_COMPUTED_TRAIT_ID",
            "computed trait keys are lower_snake_case, 1-64 characters, starting with a letter",
            field=field,
        )
    return key


def check_purpose(purpose: str, field: str = "segment.purpose") -> str:
    if not purpose:
        raise field_required(field)
    if not PURPOSE.fullmatch(purpose):
        raise InvalidArgument(
            "INVALID_PURPOSE",
            "purposes are 1-64 characters of lower-case letters, digits, '_' and '-'",
            field=field,
        )
    return purpose


def check_display_name(display_name: str, field: str = "segment.display_name") -> str:
    if len(display_name) > MAX_DISPLAY_NAME:
        raise value_too_long(field, MAX_DISPLAY_NAME)
    return display_name


def id_from_name(name: str, collection: str, field: str) -> str:
    """segments/{id} (or computedTraits/{key}) -> the id; INVALID_ARGUMENT otherwise."""
    prefix = f"{collection}/"
    if not name:
        raise field_required(field)
    if not name.startswith(prefix) or len(name) == len(prefix):
        raise InvalidArgument("INVALID_NAME", f"expected {collection}/{{id}}", field=field)
    return name[len(prefix) :]
