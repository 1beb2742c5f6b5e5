"""Profile feed updates as the profile service sends them, and ids shaped like the suite's."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2

from cdp.api.ingestion.v1 import event_pb2
from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb

SECOND = 1_000_000
DAY = 86_400 * SECOND
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"  # as base64.b32encode, lower-cased


def now_micros() -> int:
    return time.time_ns() // 1000


def new_profile() -> str:
    """A bare profile id as identity mints them ("p" + 24 hex)."""
    return "p" + secrets.token_hex(12)


def new_subject() -> str:
    """A pseudonymous subject id ("sub_" + 24 base32 characters)."""
    return "sub_" + "".join(secrets.choice(_BASE32) for _ in range(24))


def subject_of(profile: str) -> str:
    """The one subject a test person's updates name unless the test says otherwise."""
    digest = base64.b32encode(hashlib.sha256(profile.encode()).digest()).decode().lower()
    return "sub_" + digest[:24]


def event(
    profile: str,
    name: str,
    at: int | None = None,
    subject: str = "",
    properties: Mapping[str, Any] | None = None,
    message_id: str = "",
) -> feed_pb.ProfileUpdate:
    """A tracked event on a profile (its time defaults to now)."""
    recorded = feed_pb.ProfileEventRecorded(
        profile=f"profiles/{profile}",
        subject_id=subject or subject_of(profile),
        source="contract",
        message_id=message_id or secrets.token_hex(8),
        type=event_pb2.EVENT_TYPE_TRACK,
        event=name,
    )
    recorded.event_time.FromMicroseconds(now_micros() if at is None else at)
    json_format.ParseDict(dict(properties or {}), recorded.properties)
    return feed_pb.ProfileUpdate(event=recorded)


def traits(
    profile: str, subject: str = "", personal: tuple[str, ...] = (), **values: Any
) -> feed_pb.ProfileUpdate:
    """Trait values set on a profile; `personal` keys arrive as present, without a value."""
    subject = subject or subject_of(profile)
    listed = [trait_value(key, value, subject) for key, value in values.items()]
    listed += [
        feed_pb.ProfileTraitValue(key=key, personal=True, subject_id=subject) for key in personal
    ]
    return feed_pb.ProfileUpdate(
        traits=feed_pb.ProfileTraitsChanged(profile=f"profiles/{profile}", traits=listed)
    )


def trait_value(key: str, value: Any, subject: str) -> feed_pb.ProfileTraitValue:
    return feed_pb.ProfileTraitValue(
        key=key, value=json_format.ParseDict(value, struct_pb2.Value()), subject_id=subject
    )


def merged(survivor: str, *absorbed: str) -> feed_pb.ProfileUpdate:
    return feed_pb.ProfileUpdate(
        merged=feed_pb.ProfileMergeApplied(
            profile=f"profiles/{survivor}", merged_profiles=[f"profiles/{a}" for a in absorbed]
        )
    )
