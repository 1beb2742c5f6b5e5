"""Data-subject requests in identity without a database: validation, record cutting, suppression."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cdp.api.profile.v1 import profile_service_pb2 as profile_pb
from cdp.errors import InvalidArgument
from cdp.identity.adapters import privacy_sql
from cdp.identity.adapters.pipeline import Needles
from cdp.identity.adapters.repository import IdentifierVault
from cdp.identity.domain import commands
from cdp.identity.domain.errors import SubjectRestricted
from cdp.identity.domain.model import Record, RecordKind
from cdp.identity.domain.rules import Rules
from cdp.identity.domain.subject import names_person, without_person
from cdp.identity.service_layer import handlers, queries
from cdp.pii.subjects import Subject
from tests.unit.identity.builders import identify_command, resolve_events_command
from tests.unit.identity.fakes import FakeUnitOfWork

RULES = Rules()
SUBJECT_ID = "sub_" + "a" * 24
NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def uow(vault, indexer) -> FakeUnitOfWork:
    return FakeUnitOfWork(IdentifierVault(vault, indexer, RULES))


def test_a_subject_keeps_its_items_and_bare_profile_ids():
    subject = Subject.parse([SUBJECT_ID], [b"\x07" * 32], ["profiles/p" + "0" * 24])

    assert subject == Subject(
        frozenset({SUBJECT_ID}), frozenset({b"\x07" * 32}), frozenset({"p" + "0" * 24})
    )


@pytest.mark.parametrize(
    "ids, indexes, profiles, reason, field",
    [
        (["sub_" + "A" * 24], [], [], "INVALID_SUBJECT_ID", "subject.subject_ids[0]"),
        ([SUBJECT_ID, "sub_" + "1" * 24], [], [], "INVALID_SUBJECT_ID", "subject.subject_ids[1]"),
        ([], [b"x" * 33], [], "INVALID_BLIND_INDEX", "subject.blind_indexes[0]"),
        ([], [], ["profiles/P" + "0" * 24], "INVALID_PROFILE_NAME", "subject.profiles[0]"),
        ([], [b"x" * 32] * 1001, [], "TOO_MANY_ITEMS", "subject.blind_indexes"),
        ([], [], ["profiles/p" + "0" * 24] * 1001, "TOO_MANY_ITEMS", "subject.profiles"),
        ([], [], [], "FIELD_REQUIRED", "subject"),
    ],
)
def test_a_malformed_subject_names_the_field(ids, indexes, profiles, reason, field):
    with pytest.raises(InvalidArgument) as caught:
        Subject.parse(ids, indexes, profiles)

    assert (caught.value.reason, caught.value.field) == (reason, field)
    assert all(value not in caught.value.message for value in ids)


def record(before, after, nodes, kind=RecordKind.REFUSED) -> Record:
    return Record(kind, "limit user_id <= 1", "m1", NOW, before, after, nodes, "", "key")


def test_a_record_only_about_the_person_goes_and_a_shared_one_loses_them():
    mine, theirs = {"pa", "pb"}, {1, 2}

    assert (
        without_person(record(("pa", "pb"), "pa", (1, 2), RecordKind.MERGE), mine, theirs) is None
    )
    assert without_person(record(("py",), "pa", (9,)), mine, theirs) == Record(
        RecordKind.REFUSED, "limit user_id <= 1", "m1", NOW, ("py",), "", (9,), "", None
    )
    assert without_person(record(("pa",), "pz", (1, 7), RecordKind.SPLIT), mine, theirs) == (
        Record(RecordKind.SPLIT, "limit user_id <= 1", "m1", NOW, (), "pz", (7,), "", None)
    )
    assert names_person(record(("px",), "px", (2,), RecordKind.LINK), mine, theirs)
    assert not names_person(record(("px",), "px", (3,), RecordKind.LINK), mine, theirs)


def test_outbox_changes_name_the_person_by_profile_identifier_or_subject():
    needles = Needles(
        frozenset({"profiles/pa"}), frozenset({b"\x01" * 32}), frozenset({SUBJECT_ID})
    )
    event = profile_pb.ProfileChange()
    event.event.profile = "profiles/py"
    event.event.event.identifiers.add(blind_index=b"\x02" * 32, subject_id="sub_other")
    carrying = profile_pb.ProfileChange()
    carrying.CopyFrom(event)
    carrying.event.event.identifiers.add(blind_index=b"\x01" * 32, subject_id="sub_mine")
    merged = profile_pb.ProfileChange()
    merged.merged.profile = "profiles/py"
    merged.merged.merged_profiles.append("profiles/pa")
    split = profile_pb.ProfileChange()
    split.split.profile, split.split.new_profile = "profiles/py", "profiles/pz"

    assert [needles.in_change(c) for c in (event, carrying, merged, split)] == [
        False,
        True,
        True,
        False,
    ]
    assert needles.in_bytes(carrying.SerializeToString())
    assert not needles.in_bytes(event.SerializeToString())


def test_events_naming_a_suppressed_person_are_dropped_and_not_marked_processed(
    uow, vault, indexer
):
    email = indexer.index("email", "mai@example.vn")
    uow.store.suppressed.add(email)

    result = handlers.resolve_events(
        resolve_events_command(
            indexer,
            vault,
            [
                ("e1", [("email", "mai@example.vn")]),
                ("e2", [("anonymous_id", "a-1"), ("email", "MAI@example.vn")]),
                ("e3", [("anonymous_id", "a-2")]),
            ],
        ),
        uow,
        RULES,
    )

    assert (result.resolved, result.suppressed) == (1, 2)
    assert uow.store.processed == {("web", "e3")}
    assert {n.blind_index for n in uow.store.nodes.values()} == {
        indexer.index("anonymous_id", "a-2")
    }


def test_a_suppressed_blocked_value_never_drops_anyone(uow, vault, indexer):
    uow.store.suppressed.add(indexer.index("anonymous_id", "null"))

    result = handlers.resolve_events(
        resolve_events_command(
            indexer, vault, [("e1", [("user_id", "u-1"), ("anonymous_id", "null")])]
        ),
        uow,
        RULES,
    )

    assert (result.resolved, result.suppressed) == (1, 0)


def test_identity_sets_naming_a_suppressed_subject_are_refused_as_erased(uow, indexer):
    uow.store.suppressed.add(indexer.subject_id(indexer.index("phone", "+84912345678")))

    found = handlers.resolve_identities(
        identify_command([("user_id", "u-1"), ("phone", "0912 345 678")], [("user_id", "u-2")]),
        uow,
        RULES,
    )

    assert found[0].profile_id is None
    assert [(r.type, r.reason) for r in found[0].refused] == [("phone", "SUBJECT_ERASED")]
    assert found[1].created


def test_ordinary_reads_of_a_restricted_profile_refuse(uow):
    handlers.resolve_identities(identify_command([("user_id", "u-1")]), uow, RULES)
    profile_id = queries.lookup_profile(
        commands.LookupProfile(commands.plain_identifier("user_id", "u-1", "identifier")), uow
    )
    uow.store.restricted.add(profile_id)

    for read in (
        lambda: queries.lookup_profile(
            commands.LookupProfile(commands.plain_identifier("user_id", "u-1", "identifier")), uow
        ),
        lambda: queries.list_profile_identities(commands.ListProfileIdentities(profile_id), uow),
        lambda: queries.explain_profile(commands.ExplainProfile(profile_id), uow),
    ):
        with pytest.raises(SubjectRestricted) as caught:
            read()
        assert (caught.value.code, caught.value.reason) == (
            "FAILED_PRECONDITION",
            "SUBJECT_RESTRICTED",
        )


def test_suppression_entries_keep_the_digest_format_already_stored():
    """Entries written before the digest moved to cdp.pii.subjects must keep matching."""
    blind, subject_id = bytes(range(32)), "sub_abcdefghijklmnopqrstuvwx"

    found = privacy_sql.suppression_digests([blind], [subject_id])

    assert {digest.hex(): key for digest, key in found.items()} == {
        "a41c7d70052a7426e90b0ef20c375f21c7125ed3d6733f0f606775ffac02b78d": blind,
        "1387d5ebadd3540d4caf4d39e6d6e3c3bd7badafe8248143f367b0d50a2b31f8": subject_id,
    }
