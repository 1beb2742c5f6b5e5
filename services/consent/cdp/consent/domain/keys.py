"""Data-key rules: one key per pseudonymous subject; a destroyed key is never re-created."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from cdp.errors import InvalidArgument, too_many

SUBJECT_ID = re.compile(r"^sub_[a-z2-7]{24}$")
MAX_SUBJECTS = 1000


class KeyState(Enum):
    ACTIVE = "active"
    MISSING = "missing"
    DESTROYED = "destroyed"


@dataclass(frozen=True)
class DataKey:
    subject_id: str
    state: KeyState
    key: bytes | None = None
    version: int = 0
    previous: dict[int, bytes] = field(
        default_factory=dict
    )  # retired versions, for older ciphertexts


DEFAULT_USAGE_BUDGET = (
    2**30
)  # encryptions per key version, far below NIST's 2^32 random-nonce bound


def check_subject_ids(subject_ids: list[str]) -> None:
    if len(subject_ids) > MAX_SUBJECTS:
        raise too_many("subject_ids", MAX_SUBJECTS)
    for index, subject_id in enumerate(subject_ids):
        if not SUBJECT_ID.match(subject_id):
            raise InvalidArgument(
                "INVALID_SUBJECT_ID",
                "subject ids look like sub_<24 base32 chars>",
                field=f"subject_ids[{index}]",
            )
