"""Identity resolution rules through the use cases, on an in-memory graph (real normaliser, vault, index)."""

from __future__ import annotations

import re

import pytest

from cdp.identity.adapters.repository import IdentifierVault
from cdp.identity.domain import commands
from cdp.identity.domain.model import EventResolved, ProfilesMerged, RecordKind
from cdp.identity.domain.rules import Rules
from cdp.identity.service_layer import handlers, queries
from tests.unit.identity.builders import identify_command, resolve_events_command
from tests.unit.identity.fakes import FakeUnitOfWork

RULES = Rules()


@pytest.fixture
def uow(vault, indexer) -> FakeUnitOfWork:
    return FakeUnitOfWork(IdentifierVault(vault, indexer, RULES))


def identify(uow: FakeUnitOfWork, *sets, rules: Rules = RULES, prefix: str = "m"):
    return handlers.resolve_identities(identify_command(*sets, message_prefix=prefix), uow, rules)


def lookup(uow: FakeUnitOfWork, id_type: str, value: str) -> str:
    query = commands.LookupProfile(commands.plain_identifier(id_type, value, "identifier"))
    return queries.lookup_profile(query, uow)


def explain(uow: FakeUnitOfWork, profile_id: str):
    return queries.explain_profile(commands.ExplainProfile(profile_id), uow)[1]


def test_an_anonymous_visitor_who_identifies_with_an_email_is_one_profile(uow):
    first, second = identify(
        uow,
        [("anonymous_id", "anon-1")],
        [("anonymous_id", "anon-1"), ("email", "Lan.Nguyen@Example.com")],
    )

    assert first.created and not second.created
    assert second.profile_id == first.profile_id
    assert lookup(uow, "email", "lan.nguyen@example.COM") == first.profile_id
    assert len(uow.store.live()) == 1


# Thai numbers that are also valid Vietnamese ones (e.g. 081...) read as VN first: the shared
# normaliser tries VN, then TH. 061 is Thai only.
@pytest.mark.parametrize(
    "national, international", [("0912 345 678", "+84912345678"), ("061 234 5678", "+66612345678")]
)
def test_national_and_international_phone_spellings_are_one_profile(uow, national, international):
    first, second = identify(
        uow,
        [("user_id", "u-1"), ("phone", national)],
        [("anonymous_id", "a-9"), ("phone", international)],
    )

    assert second.profile_id == first.profile_id
    assert lookup(uow, "phone", international) == first.profile_id


def test_fifty_user_ids_on_one_device_stay_fifty_profiles(uow):
    resolutions = identify(
        uow, *[[("user_id", f"user-{n}"), ("device_id", "kiosk-1")] for n in range(50)]
    )

    assert len({r.profile_id for r in resolutions}) == 50
    assert len(uow.store.live()) == 50
    refusals = [r for r in uow.store.records.values() if r.kind is RecordKind.REFUSED]
    assert len(refusals) == 49
    assert {(r.reason, r.rule) for r in refusals} == {("LIMIT_EXCEEDED", "limit user_id <= 1")}
    assert all(x.type == "device_id" for r in resolutions[1:] for x in r.refused)
    assert lookup(uow, "device_id", "kiosk-1") == resolutions[0].profile_id


def test_a_refusal_repeated_by_every_event_is_recorded_once(uow):
    identify(uow, [("user_id", "u-1"), ("device_id", "d-1")], [("user_id", "u-2")])

    again = identify(uow, *[[("user_id", "u-2"), ("device_id", "d-1")]] * 3, prefix="again")

    assert all(r.refused for r in again)
    assert sum(r.kind is RecordKind.REFUSED for r in uow.store.records.values()) == 1


def test_blocked_values_never_link_anything_and_are_recorded_once(uow):
    resolutions = identify(
        uow,
        [("user_id", "u-1"), ("anonymous_id", "null")],
        [("user_id", "u-2"), ("anonymous_id", "NULL")],
        [("user_id", "u-3"), ("anonymous_id", "null")],
    )

    assert len({r.profile_id for r in resolutions}) == 3
    assert all(x.reason == "BLOCKED_VALUE" for r in resolutions for x in r.refused)
    blocked = [r for r in uow.store.records.values() if r.reason == "BLOCKED_VALUE"]
    assert len(blocked) == 2  # "null" and "NULL" are two values, each recorded once
    with pytest.raises(Exception) as err:
        lookup(uow, "anonymous_id", "null")
    assert getattr(err.value, "reason", "") == "IDENTIFIER_NOT_FOUND"


def test_a_set_of_only_blocked_values_resolves_to_nobody(uow):
    (resolution,) = identify(uow, [("anonymous_id", "undefined"), ("device_id", "0")])

    assert resolution.profile_id is None
    assert uow.store.live() == set()


def test_a_custom_blocked_pattern_is_applied_to_sealed_identifiers(vault, indexer):
    rules = Rules(blocked_pattern=re.compile(r"test-.*"))
    uow = FakeUnitOfWork(IdentifierVault(vault, indexer, rules))
    cmd = resolve_events_command(
        indexer,
        vault,
        [
            ("e1", [("user_id", "u-1"), ("device_id", "test-rig")]),
            ("e2", [("user_id", "u-2"), ("device_id", "test-rig")]),
        ],
    )

    handlers.resolve_events(cmd, uow, rules)

    assert len(uow.store.live()) == 2
    assert [r.reason for r in uow.store.records.values() if r.kind is RecordKind.REFUSED] == [
        "BLOCKED_VALUE"
    ]


def test_an_alias_links_the_previous_anonymous_id(uow):
    (visitor,) = identify(uow, [("anonymous_id", "anon-7")])

    (alias,) = identify(uow, [("user_id", "u-7"), ("previous_id", "anon-7")], prefix="alias")

    assert alias.profile_id == visitor.profile_id
    assert lookup(uow, "user_id", "u-7") == visitor.profile_id


def test_an_alias_of_an_unknown_previous_id_keeps_it_as_an_anonymous_id(uow):
    (alias,) = identify(uow, [("user_id", "u-8"), ("previous_id", "old-cookie")])

    assert lookup(uow, "anonymous_id", "old-cookie") == alias.profile_id
    values = {
        (i.type, i.value)
        for i in queries.list_profile_identities(
            commands.ListProfileIdentities(alias.profile_id), uow
        )[1]
    }
    assert values == {("user_id", "u-8"), ("anonymous_id", "old-cookie")}


def test_a_merge_through_a_shared_email_keeps_the_oldest_profile(uow):
    older, newer = identify(
        uow, [("anonymous_id", "a-1")], [("anonymous_id", "a-2"), ("email", "x@y.vn")]
    )

    (merge,) = identify(uow, [("anonymous_id", "a-1"), ("email", "x@y.vn")], prefix="join")

    assert merge.profile_id == older.profile_id
    assert merge.merged == [newer.profile_id]
    assert lookup(uow, "anonymous_id", "a-2") == older.profile_id
    (record,) = [r for r in explain(uow, older.profile_id) if r.kind is RecordKind.MERGE]
    assert record.rule == "shared identifier email"
    assert record.message_id == "join0"
    assert (
        record.before == (older.profile_id, newer.profile_id) and record.after == older.profile_id
    )
    assert {(i.type, i.value) for i in record.identities} == {
        ("anonymous_id", "a-1"),
        ("email", "x@y.vn"),
    }


def test_merge_protection_refuses_joining_two_user_ids(uow):
    first, second = identify(
        uow, [("user_id", "u-1"), ("email", "a@x.th")], [("user_id", "u-2"), ("email", "b@x.th")]
    )

    (both,) = identify(uow, [("email", "a@x.th"), ("email", "b@x.th")], prefix="shared")

    assert both.profile_id == first.profile_id
    assert [(x.type, x.reason, x.rule) for x in both.refused] == [
        ("email", "LIMIT_EXCEEDED", "limit user_id <= 1")
    ]
    assert uow.store.live() == {first.profile_id, second.profile_id}


def test_explain_shows_every_record_of_the_profile_and_of_profiles_merged_into_it(uow):
    identify(
        uow,
        [("anonymous_id", "a-1")],
        [("anonymous_id", "a-2")],
        [("anonymous_id", "a-1"), ("anonymous_id", "a-2"), ("email", "c@d.vn")],
    )

    profile_id = lookup(uow, "email", "c@d.vn")
    kinds = [r.kind for r in explain(uow, profile_id)]

    assert kinds == [RecordKind.CREATE, RecordKind.CREATE, RecordKind.MERGE, RecordKind.LINK]


def test_resolved_events_go_to_profile_with_merges_before_the_event_that_caused_them(
    uow, vault, indexer
):
    cmd = resolve_events_command(
        indexer,
        vault,
        [
            ("e1", [("anonymous_id", "a-1")]),
            ("e2", [("anonymous_id", "a-2")]),
            ("e3", [("anonymous_id", "a-2"), ("anonymous_id", "a-1")]),
        ],
    )

    result = handlers.resolve_events(cmd, uow, RULES)

    (entry,) = uow.store.outbox
    assert result.resolved == 3
    assert [type(c).__name__ for c in entry] == [
        "EventResolved",
        "EventResolved",
        "ProfilesMerged",
        "EventResolved",
    ]
    merged = entry[2]
    assert isinstance(merged, ProfilesMerged) and merged.survivor == entry[0].profile_id
    assert isinstance(entry[3], EventResolved) and entry[3].profile_id == merged.survivor
    assert entry[3].event.message_id == "e3"


def test_redelivered_events_are_resolved_and_forwarded_once(uow, vault, indexer):
    cmd = resolve_events_command(
        indexer, vault, [("e1", [("anonymous_id", "a-1")]), ("e1", [("anonymous_id", "a-1")])]
    )

    first = handlers.resolve_events(cmd, uow, RULES)
    second = handlers.resolve_events(cmd, uow, RULES)

    assert (first.resolved, first.duplicates) == (1, 1)
    assert (second.resolved, second.duplicates) == (0, 2)
    assert len(uow.store.outbox) == 1


def test_events_of_erased_subjects_are_dropped_and_counted(uow, vault, indexer, keys):
    cmd = resolve_events_command(
        indexer,
        vault,
        [
            ("e1", [("anonymous_id", "a-1"), ("email", "gone@x.vn")]),
            ("e2", [("anonymous_id", "a-2")]),
        ],
    )
    keys.destroy(cmd.sightings[0].identifiers[1].subject_id)

    result = handlers.resolve_events(cmd, uow, RULES)

    assert (result.resolved, result.erased) == (1, 1)
    assert len(uow.store.live()) == 1
    assert [c.event.message_id for c in uow.store.outbox[0]] == ["e2"]


def test_identifier_sets_naming_an_erased_subject_are_refused(uow, indexer, keys):
    keys.destroy(indexer.subject_id(indexer.index("email", "gone@x.vn")))

    (resolution,) = identify(uow, [("user_id", "u-1"), ("email", "gone@x.vn")])

    assert resolution.profile_id is None
    assert [(x.type, x.reason) for x in resolution.refused] == [("email", "SUBJECT_ERASED")]
    assert uow.store.nodes == {}


def test_splitting_moves_identifiers_to_a_new_profile_once_per_request(uow):
    (person,) = identify(uow, [("user_id", "u-1"), ("email", "shared@x.vn"), ("device_id", "d-1")])
    split = commands.SplitProfile(
        person.profile_id, (commands.plain_identifier("email", "SHARED@x.vn", "i"),), "req-1"
    )

    done = handlers.split_profile(split, uow)
    again = handlers.split_profile(split, uow)

    assert again.new_profile_id == done.new_profile_id
    assert lookup(uow, "email", "shared@x.vn") == done.new_profile_id
    assert lookup(uow, "user_id", "u-1") == person.profile_id
    assert done.record.kind is RecordKind.SPLIT and done.record.before == (person.profile_id,)
    assert [(i.type, i.value) for i in done.record.identities] == [("email", "shared@x.vn")]
    (changes,) = uow.store.outbox  # identifier sets send profile nothing but merges; one split
    assert [type(c).__name__ for c in changes] == ["ProfileSplit"]
