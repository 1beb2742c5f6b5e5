"""Identity's configuration from the environment, and the outbox entries it sends to profile."""

from __future__ import annotations

import pytest

from cdp.api.ingestion.v1 import sealed_event_pb2 as se
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.config import ConfigError
from cdp.db.outbox import Pending
from cdp.identity.adapters.pipeline import ProfileDelivery, encode
from cdp.identity.domain.model import EventResolved, ProfilesMerged, ProfileSplit
from cdp.identity.settings import Settings


def test_rules_come_from_the_environment_over_the_defaults(tmp_path):
    settings = Settings.from_env(
        {
            "CDP_DATA_DIR": str(tmp_path),
            "CDP_IDENTITY_LIMITS": "user_id=2, crm_id=1",
            "CDP_IDENTITY_PRIORITY": "email,user_id",
            "CDP_IDENTITY_BLOCKED_REGEX": r"test-\d+",
        }
    )
    rules = settings.rules

    assert (rules.limit("user_id"), rules.limit("crm_id"), rules.limit("email")) == (2, 1, 5)
    assert rules.limit("loyalty_id") == 5
    assert rules.rank("email") < rules.rank("user_id") < rules.rank("loyalty_id")
    assert rules.is_blocked_value("test-42") and rules.is_blocked_value("Undefined")
    assert not rules.is_blocked_value("test-x")


def test_the_defaults_are_segment_unify_like(tmp_path):
    rules = Settings.from_env({"CDP_DATA_DIR": str(tmp_path)}).rules

    assert [
        rules.limit(t) for t in ("user_id", "email", "phone", "device_id", "anonymous_id", "crm_id")
    ] == [1, 5, 5, 10, 1000, 5]
    ranks = [
        rules.rank(t) for t in ("user_id", "email", "phone", "device_id", "anonymous_id", "crm_id")
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == 6


@pytest.mark.parametrize(
    "name, value",
    [
        ("CDP_IDENTITY_LIMITS", "user_id=0"),
        ("CDP_IDENTITY_LIMITS", "user_id"),
        ("CDP_IDENTITY_PRIORITY", "email,email"),
        ("CDP_IDENTITY_BLOCKED_REGEX", "("),
    ],
)
def test_malformed_rules_are_configuration_errors(tmp_path, name, value):
    with pytest.raises(ConfigError):
        Settings.from_env({"CDP_DATA_DIR": str(tmp_path), name: value})


def test_an_outbox_entry_numbers_its_changes_from_its_own_sequence():
    event = se.SealedEvent(message_id="e1", source="web")
    changes = [
        ProfilesMerged("pa", ("pb",)),
        EventResolved("pa", event),
        ProfileSplit("pa", "pc", (b"\x01" * 32,)),
    ]

    request = pb.ApplyProfileChangesRequest.FromString(encode(7, changes))

    assert [c.sequence for c in request.changes] == [700_000, 700_001, 700_002]
    assert request.changes[0].merged.profile == "profiles/pa"
    assert list(request.changes[0].merged.merged_profiles) == ["profiles/pb"]
    assert request.changes[1].event.profile == "profiles/pa"
    assert request.changes[1].event.event == event
    assert request.changes[2].split.new_profile == "profiles/pc"


def test_concatenated_entries_are_one_request_in_order():
    first = encode(1, [EventResolved("pa", se.SealedEvent(message_id="e1"))])
    second = encode(2, [EventResolved("pb", se.SealedEvent(message_id="e2"))])

    request = pb.ApplyProfileChangesRequest.FromString(first + second)

    assert [(c.sequence, c.event.event.message_id) for c in request.changes] == [
        (100_000, "e1"),
        (200_000, "e2"),
    ]


def _entry(seq: int, *message_ids: str) -> bytes:
    return encode(
        seq,
        [
            EventResolved("pa", se.SealedEvent(message_id=m, public_json=b"x" * 200))
            for m in message_ids
        ],
    )


def test_delivery_groups_entries_into_calls_under_the_size_limit():
    entries = [_entry(n, f"e{n}") for n in range(1, 6)]
    calls: list[bytes] = []

    ProfileDelivery(calls.append, max_bytes=len(entries[0]) * 2)(
        [Pending(n, e) for n, e in enumerate(entries, 1)]
    )

    parsed = [pb.ApplyProfileChangesRequest.FromString(call) for call in calls]
    assert [len(p.changes) for p in parsed] == [2, 2, 1]
    assert [c.event.event.message_id for p in parsed for c in p.changes] == [
        "e1",
        "e2",
        "e3",
        "e4",
        "e5",
    ]


def test_delivery_splits_an_entry_larger_than_one_call_keeping_its_sequences():
    big = _entry(3, *[f"e{n}" for n in range(10)])
    calls: list[bytes] = []

    ProfileDelivery(calls.append, max_bytes=len(big) // 3)([Pending(3, big)])

    parsed = [pb.ApplyProfileChangesRequest.FromString(call) for call in calls]
    assert len(calls) > 1 and all(len(call) <= len(big) // 3 for call in calls)
    assert [c.sequence for p in parsed for c in p.changes] == [300_000 + n for n in range(10)]
