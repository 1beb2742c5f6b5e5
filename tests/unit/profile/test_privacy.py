"""The profile's DSR domain: validating subjects, what the fence lets through, the export shape."""

from __future__ import annotations

import pytest

from cdp.errors import InvalidArgument
from cdp.pii.subjects import request_label
from cdp.profile.domain.commands import EventChange, MergeChange, SplitChange
from cdp.profile.domain.model import (
    ComputedTrait,
    EventType,
    IncomingEvent,
    ProfileState,
    Provenance,
    TraitValue,
)
from cdp.profile.domain.privacy import (
    ExportedEvent,
    Subject,
    SubjectData,
    Suppression,
    export_document,
    named_by,
    unsuppressed,
)

ANN, BOB = "sub_" + "a" * 24, "sub_" + "b" * 24
P1, P2, P3 = ("p" + str(n) * 24 for n in (1, 2, 3))
BLIND = b"\x07" * 32


def _event(
    subject: str, blind: bytes = b"\x00" * 32, carried: tuple[str, ...] = ()
) -> IncomingEvent:
    return IncomingEvent(
        "m-" + subject[-3:] + blind.hex()[:4],
        "web",
        EventType.TRACK,
        "Viewed",
        1,
        1,
        subject,
        blind,
        b"{}",
        b"",
        (blind,),
        (subject, *carried),
    )


def test_a_subject_is_parsed_with_duplicates_removed() -> None:
    subject = Subject.parse([ANN, ANN], [BLIND], [f"profiles/{P1}", f"profiles/{P1}"])

    assert subject == Subject((ANN,), (BLIND,), (P1,))


@pytest.mark.parametrize(
    ("parts", "reason", "field"),
    [
        (([ANN, "sub_UPPER" + "A" * 15], [], []), "INVALID_SUBJECT_ID", "subject.subject_ids[1]"),
        (([], [b"short"], []), "INVALID_BLIND_INDEX", "subject.blind_indexes[0]"),
        (([], [], ["profiles/nope"]), "INVALID_PROFILE_NAME", "subject.profiles[0]"),
        (([], [BLIND] * 1001, []), "TOO_MANY_ITEMS", "subject.blind_indexes"),
        (([], [], []), "FIELD_REQUIRED", "subject"),
    ],
)
def test_a_malformed_subject_names_its_field_never_the_value(
    parts: tuple, reason: str, field: str
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        Subject.parse(*parts)

    assert (caught.value.reason, caught.value.field) == (reason, field)
    assert "UPPER" not in caught.value.message


def test_the_fence_drops_events_by_subject_identifier_blind_index_or_profile() -> None:
    changes = [
        EventChange(1, P3, _event(ANN)),
        EventChange(2, P3, _event(BOB, carried=(ANN,))),
        EventChange(3, P3, _event(BOB, blind=BLIND)),
        EventChange(4, P1, _event(BOB)),
        EventChange(5, P3, _event(BOB)),
    ]
    fence = Suppression(frozenset({ANN}), frozenset({BLIND}), frozenset({P1}))

    kept, dropped = unsuppressed(changes, fence)

    assert [c.sequence for c in kept] == [5] and dropped == 4


def test_the_fence_trims_merges_and_drops_splits_that_name_fenced_profiles() -> None:
    changes = [
        MergeChange(1, P3, (P1, P2)),
        MergeChange(2, P1, (P3,)),
        MergeChange(3, P3, (P1,)),
        SplitChange(4, P3, P1, (BLIND,)),
        SplitChange(5, P3, P2, (BLIND,)),
    ]

    kept, dropped = unsuppressed(changes, Suppression(profile_ids=frozenset({P1})))

    assert kept == [MergeChange(1, P3, (P2,)), SplitChange(5, P3, P2, (BLIND,))]
    assert dropped == 0


def test_nothing_fenced_lets_everything_through() -> None:
    changes = [EventChange(1, P1, _event(ANN)), MergeChange(2, P1, (P2,))]

    assert unsuppressed(changes, Suppression()) == (changes, 0)


def test_a_batch_names_every_subject_blind_index_and_profile_it_touches() -> None:
    changes = [
        EventChange(1, P1, _event(ANN, BLIND, carried=(BOB,))),
        MergeChange(2, P2, (P3,)),
    ]

    named = named_by(changes)

    assert set(named.subject_ids) == {ANN, BOB}
    assert set(named.blind_indexes) == {BLIND}
    assert set(named.profile_ids) == {P1, P2, P3}


def test_the_export_document_has_a_list_per_kind_with_exact_times() -> None:
    provenance = Provenance("web", "m-1", 1_700_000_000_123_456, 1_700_000_001_000_000)
    data = SubjectData(
        profiles=[ProfileState(P1, None, 1, 1_700_000_000_123_456, 1_700_000_000_123_456)],
        traits=[(P1, TraitValue("email", "a@example.test", True, ANN, provenance))],
        events=[
            ExportedEvent(
                P1, "m-1", EventType.IDENTIFY, "", "web", 1, 2, {"traits": {"email": "x"}}
            )
        ],
        computed_traits=[(P1, ComputedTrait("orders_90d", 3, 1_700_000_000_123_456))],
    )

    document = export_document(data)

    assert document["service"] == "profile"
    assert document["profiles"][0]["first_seen_time"] == "2023-11-14T22:13:20.123456Z"
    assert document["traits"][0]["provenance"]["event_time"] == "2023-11-14T22:13:20.123456Z"
    assert document["traits"][0]["profile"] == f"profiles/{P1}"
    assert document["events"][0]["traits"] == {"email": "x"}
    assert document["events"][0]["type"] == "identify"
    assert document["computed_traits"] == [
        {
            "profile": f"profiles/{P1}",
            "key": "orders_90d",
            "value": 3,
            "compute_time": "2023-11-14T22:13:20.123456Z",
        }
    ]
    assert export_document(SubjectData()) == {
        "service": "profile",
        "profiles": [],
        "traits": [],
        "events": [],
        "computed_traits": [],
    }


def test_only_request_names_reach_log_lines() -> None:
    assert request_label("dataSubjectRequests/abc-123") == "dataSubjectRequests/abc-123"
    assert request_label("ann@example.test") == "(unnamed request)"
