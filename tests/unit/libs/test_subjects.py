"""The shared data subject: parsing with field paths, the request label, suppression digests."""

from __future__ import annotations

import pytest

from cdp.errors import InvalidArgument
from cdp.pii.subjects import Subject, request_label, suppression_digest

SUB_A = "sub_" + "a" * 24
SUB_B = "sub_" + "b2" * 12
BLIND_A = b"\x0a" * 32
PROFILE_ID = "p" + "0123456789abcdef" + "01234567"
PROFILE = "profiles/" + PROFILE_ID


def _invalid(subject_ids=(), blind_indexes=(), profiles=()) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        Subject.parse(list(subject_ids), list(blind_indexes), list(profiles))
    return caught.value


def test_a_parsed_subject_holds_frozen_sets_with_bare_profile_ids() -> None:
    subject = Subject.parse([SUB_A, SUB_B, SUB_A], [BLIND_A, BLIND_A], [PROFILE, PROFILE])

    assert subject == Subject(frozenset({SUB_A, SUB_B}), frozenset({BLIND_A}), {PROFILE_ID})
    assert isinstance(subject.profile_ids, frozenset)


def test_one_kind_alone_is_enough() -> None:
    assert Subject.parse([], [], [PROFILE]) == Subject(profile_ids=frozenset({PROFILE_ID}))
    assert Subject.parse([], [BLIND_A], []).blind_indexes == {BLIND_A}


def test_any_iterable_builds_the_same_value() -> None:
    assert Subject((SUB_A,), [BLIND_A], {PROFILE_ID}) == Subject(
        frozenset({SUB_A}), frozenset({BLIND_A}), frozenset({PROFILE_ID})
    )
    assert hash(Subject((SUB_A,))) == hash(Subject(frozenset({SUB_A})))


def test_a_subclass_parses_into_itself() -> None:
    class Named(Subject):
        pass

    assert type(Named.parse([SUB_A], [], [])) is Named


@pytest.mark.parametrize(
    ("kwargs", "reason", "field"),
    [
        ({"subject_ids": [SUB_A, "sub_short"]}, "INVALID_SUBJECT_ID", "subject.subject_ids[1]"),
        ({"subject_ids": ["SUB_" + "A" * 24]}, "INVALID_SUBJECT_ID", "subject.subject_ids[0]"),
        ({"subject_ids": ["sub_" + "1" * 24]}, "INVALID_SUBJECT_ID", "subject.subject_ids[0]"),
        ({"subject_ids": [SUB_A + "\n"]}, "INVALID_SUBJECT_ID", "subject.subject_ids[0]"),
        (
            {"blind_indexes": [BLIND_A, b"\x00" * 31]},
            "INVALID_BLIND_INDEX",
            "subject.blind_indexes[1]",
        ),
        ({"blind_indexes": [b"\x00" * 33]}, "INVALID_BLIND_INDEX", "subject.blind_indexes[0]"),
        ({"profiles": [PROFILE, "profiles/x"]}, "INVALID_PROFILE_NAME", "subject.profiles[1]"),
        ({"profiles": [PROFILE_ID]}, "INVALID_PROFILE_NAME", "subject.profiles[0]"),
        ({"profiles": ["profiles/P" + "0" * 24]}, "INVALID_PROFILE_NAME", "subject.profiles[0]"),
        ({"profiles": [""]}, "INVALID_PROFILE_NAME", "subject.profiles[0]"),
        ({"subject_ids": [SUB_A] * 1001}, "TOO_MANY_ITEMS", "subject.subject_ids"),
        ({"blind_indexes": [BLIND_A] * 1001}, "TOO_MANY_ITEMS", "subject.blind_indexes"),
        ({"profiles": [PROFILE] * 1001}, "TOO_MANY_ITEMS", "subject.profiles"),
        ({}, "FIELD_REQUIRED", "subject"),
    ],
)
def test_a_malformed_subject_names_the_field_never_the_value(kwargs, reason, field) -> None:
    error = _invalid(**kwargs)

    assert (error.reason, error.field) == (reason, field)
    assert not any(
        str(value) in error.message for values in kwargs.values() for value in values if value
    )


def test_a_thousand_of_each_kind_is_allowed() -> None:
    ids = [f"sub_{n:024b}".replace("0", "a").replace("1", "b") for n in range(1000)]

    subject = Subject.parse(ids, [bytes([n % 256, n // 256]) * 16 for n in range(1000)], [])

    assert (len(subject.subject_ids), len(subject.blind_indexes)) == (1000, 1000)


def test_too_many_is_found_before_any_value_is_read() -> None:
    error = _invalid(subject_ids=["bad"], profiles=[PROFILE] * 1001)

    assert (error.reason, error.field) == ("TOO_MANY_ITEMS", "subject.profiles")


def test_only_well_shaped_request_names_reach_log_lines() -> None:
    assert request_label("dataSubjectRequests/8c1e-42_X") == "dataSubjectRequests/8c1e-42_X"
    assert request_label("ann@example.test") == "(unnamed request)"
    assert request_label("dataSubjectRequests/a@b") == "(unnamed request)"
    assert request_label("dataSubjectRequests/ok\n") == "(unnamed request)"
    assert request_label("dataSubjectRequests/" + "x" * 65) == "(unnamed request)"
    assert request_label("") == "(unnamed request)"


BLIND = bytes(range(32))
SUBJECT = "sub_abcdefghijklmnopqrstuvwx"
PROFILE_P = "p0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        # ingestion: domain/suppression.py
        (
            "cdp.suppression.blind",
            BLIND,
            "9a442b6d8bef28405c9a48b2905627da12eb1cf46881f4bc93a146ac303929a5",
        ),
        (
            "cdp.suppression.subject",
            SUBJECT,
            "b95c155ee9ff7034b913cc7cbfed15c1dcf2c45e6e961e7f003f6ad980e916b0",
        ),
        (
            "cdp.suppression.profile",
            "profiles/" + PROFILE_P,
            "7cccafa62e7adab7a5e15a918cc68fdbfb4bda3c8139e6ac8c2c9044c3e2e8e0",
        ),
        # identity: adapters/privacy_sql.py
        ("blind_index", BLIND, "a41c7d70052a7426e90b0ef20c375f21c7125ed3d6733f0f606775ffac02b78d"),
        ("subject_id", SUBJECT, "1387d5ebadd3540d4caf4d39e6d6e3c3bd7badafe8248143f367b0d50a2b31f8"),
        # profile: adapters/suppressions.py (blind indexes as hex)
        ("subject", SUBJECT, "3aba3d51e259b6fcd90d8a32a1a778c1c3d64b638d836ceb7e581910e53e2378"),
        (
            "blind_index",
            BLIND.hex(),
            "97dbea877ab35e834ae5290c6dbcceabb2dd8bf1ac02edb6ac337e490ada96bc",
        ),
        ("profile", PROFILE_P, "aac9e8c2d4342cb5fbf2cbab85d1215a89188b8a19c687c38a2c5bbac1ceef64"),
    ],
)
def test_digests_match_the_entries_each_service_already_stores(kind, value, stored) -> None:
    assert suppression_digest(kind, value).hex() == stored


def test_a_digest_hides_the_value_and_depends_on_its_kind() -> None:
    digest = suppression_digest("blind_index", BLIND)

    assert len(digest) == 32 and BLIND not in digest
    assert digest != suppression_digest("subject_id", BLIND)
    assert suppression_digest("subject", SUBJECT) == suppression_digest("subject", SUBJECT.encode())
