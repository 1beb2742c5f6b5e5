"""Data-subject requests at the edge: who a Subject names, how it is checked, what it owns."""

from __future__ import annotations

import pytest

from cdp.errors import InvalidArgument
from cdp.ingestion.domain.model import SealedIdentifier
from cdp.ingestion.domain.subjects import Subject, SubjectRequest
from cdp.pii import BlindIndexer

SUB_A = "sub_" + "a" * 24
SUB_B = "sub_" + "b" * 24
BLIND_A = b"\x0a" * 32
BLIND_B = b"\x0b" * 32
PROFILE_ID = "p" + "0" * 24
PROFILE = "profiles/" + PROFILE_ID


def _identifier(blind: bytes, subject_id: str) -> SealedIdentifier:
    return SealedIdentifier("email", blind, b"sealed", subject_id)


def _invalid(subject_ids=(), blind_indexes=(), profiles=()) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        Subject.parse(list(subject_ids), list(blind_indexes), list(profiles))
    return caught.value


def test_a_well_formed_subject_parses(indexer: BlindIndexer) -> None:
    blind = indexer.index("email", "a@example.com")
    subject = Subject.parse([indexer.subject_id(blind)], [blind], [PROFILE])
    assert subject.blind_indexes == {blind} and subject.profiles == {PROFILE}


@pytest.mark.parametrize(
    ("kwargs", "reason", "field"),
    [
        ({"subject_ids": [SUB_A, "sub_short"]}, "INVALID_SUBJECT_ID", "subject.subject_ids[1]"),
        ({"subject_ids": ["SUB_" + "A" * 24]}, "INVALID_SUBJECT_ID", "subject.subject_ids[0]"),
        ({"blind_indexes": [b"\x00" * 31]}, "INVALID_BLIND_INDEX", "subject.blind_indexes[0]"),
        ({"profiles": ["profiles/x"]}, "INVALID_PROFILE_NAME", "subject.profiles[0]"),
        ({"subject_ids": [SUB_A] * 1001}, "TOO_MANY_ITEMS", "subject.subject_ids"),
        ({"blind_indexes": [BLIND_A] * 1001}, "TOO_MANY_ITEMS", "subject.blind_indexes"),
        ({}, "FIELD_REQUIRED", "subject"),
    ],
)
def test_malformed_subjects_name_the_field_never_the_value(kwargs, reason, field) -> None:
    error = _invalid(**kwargs)
    assert (error.reason, error.field) == (reason, field)
    assert "short" not in error.message and "profiles/x" not in error.message


def test_an_event_is_the_subjects_by_its_subject_or_any_identifier() -> None:
    subject = Subject(frozenset({SUB_A}), frozenset({BLIND_B}))
    assert subject.owns(SUB_A, [])
    assert subject.owns("sub_other", [_identifier(BLIND_B, "sub_other")])
    assert subject.owns("sub_other", [_identifier(b"\x00" * 32, SUB_A)])
    assert not subject.owns("sub_other", [_identifier(b"\x00" * 32, "sub_other")])


def test_needles_are_every_key_as_bytes() -> None:
    subject = Subject(frozenset({SUB_A}), frozenset({BLIND_A}), frozenset({PROFILE_ID}))
    assert subject.needles() == [BLIND_A, SUB_A.encode()]


def test_suppression_digests_hide_the_keys_and_restriction_adds_profiles() -> None:
    subject = Subject(frozenset({SUB_A}), frozenset({BLIND_A}), frozenset({PROFILE_ID}))
    digests = subject.suppression_digests()
    assert len(digests) == 2 and all(len(d) == 32 for d in digests)
    assert BLIND_A not in digests and not any(SUB_A.encode() in d for d in digests)
    assert subject.restriction_digests() > digests


def test_only_well_shaped_request_names_are_logged() -> None:
    subject = Subject(frozenset({SUB_A}), frozenset())
    assert SubjectRequest("dataSubjectRequests/8c1e-42", subject).log_name == (
        "dataSubjectRequests/8c1e-42"
    )
    assert SubjectRequest("a@example.com", subject).log_name == "(unnamed request)"
