"""Membership changes: kinds, and the reasons a downstream system sees on the watch stream."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Kind(IntEnum):
    """Mirrors cdp.api.segmentation.v1.MembershipChangeKind."""

    ENTERED = 1
    EXITED = 2


# Why a person entered.
CONDITION_MATCHED = "CONDITION_MATCHED"
CONSENT_GRANTED = "CONSENT_GRANTED"
UNRESTRICTED = "UNRESTRICTED"
# Why a person left.
CONDITION_UNMATCHED = "CONDITION_UNMATCHED"
WINDOW_SLID = "WINDOW_SLID"  # a scheduled re-check: events aged out of a window
CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"
RESTRICTED = "RESTRICTED"
ERASED = "ERASED"
MERGED = "MERGED"  # the profile was absorbed into another (which is checked on its own)
SEGMENT_UPDATED = "SEGMENT_UPDATED"  # the segment's condition or purpose changed

# seg_blocked.kind values and the exit reason each gives.
BLOCK_RESTRICTED = "restricted"
BLOCK_ERASED = "erased"
BLOCK_REASONS = {BLOCK_RESTRICTED: RESTRICTED, BLOCK_ERASED: ERASED}


@dataclass(frozen=True)
class Change:
    segment_id: str
    version: int
    profile_id: str
    kind: Kind
    reason: str
    time: int  # microseconds since the epoch


@dataclass(frozen=True)
class Counts:
    members: int
    excluded: int
