"""Identity's share of data-subject requests on real databases (SQLite file and PostgreSQL)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from cdp.identity.adapters.orm import identifiers, merge_records, outbox, processed_messages
from cdp.identity.bootstrap import bootstrap
from cdp.identity.domain import commands
from cdp.identity.domain.errors import IdentifierNotFound, SubjectRestricted
from cdp.identity.domain.subject import (
    ERASE_KINDS,
    ResolveSubject,
    RestrictSubject,
    Subject,
    SubjectRequest,
)
from cdp.identity.privacy_mapping import export_document
from cdp.identity.service_layer import handlers, privacy, queries
from cdp.pii.keycache import CachedKeySource
from tests.integration.identity.conftest import IdentityHarness, make_identity
from tests.integration.identity.story import (
    MAI,
    MAI_UNSEEN,
    RESPELLED,
    SPLIT_OFF,
    YEN,
    Story,
    keys_of,
    references,
    tell,
)
from tests.unit.identity.builders import identify_command

REQUEST = "dataSubjectRequests/6f1c1e9e-2f5b-4c43-9d4b-3d1f0c2b7a10"


def lookup(identity: IdentityHarness, id_type: str, value: str) -> str:
    query = commands.LookupProfile(commands.plain_identifier(id_type, value, "identifier"))
    return queries.lookup_profile(query, identity.app.new_uow())


def split(identity: IdentityHarness, profile_id: str, ids, request_id: str) -> str:
    plain = tuple(commands.plain_identifier(t, v, "i") for t, v in ids)
    cmd = commands.SplitProfile(profile_id, plain, request_id)
    return handlers.split_profile(cmd, identity.app.new_uow()).new_profile_id


def story_of(identity: IdentityHarness) -> Story:
    return tell(
        identity.resolve,
        lambda t, v: lookup(identity, t, v),
        lambda p, ids, r: split(identity, p, ids, r),
    )


def resolve(identity: IdentityHarness, ids=(), profiles=()) -> Subject:
    cmd = ResolveSubject(
        tuple(commands.plain_identifier(t, v, "identifiers") for t, v in ids), tuple(profiles)
    )
    return privacy.resolve_subject(cmd, identity.app.new_uow(), identity.app.rules)


def mai(identity: IdentityHarness) -> Subject:
    """What consent would learn from identity before erasing Mai."""
    return resolve(identity, [RESPELLED[0], MAI_UNSEEN])


def fence(identity: IdentityHarness, subject: Subject) -> int:
    return privacy.fence_subject(SubjectRequest(REQUEST, subject), identity.app.new_uow())


def erase(identity: IdentityHarness, subject: Subject) -> dict[str, int]:
    return privacy.erase_subject(SubjectRequest(REQUEST, subject), identity.app.new_uow())


def export(identity: IdentityHarness, subject: Subject) -> dict:
    found = privacy.export_subject(SubjectRequest(REQUEST, subject), identity.app.new_uow())
    return json.loads(export_document(found))


def restrict(identity: IdentityHarness, subject: Subject, restricted: bool) -> int:
    cmd = RestrictSubject(REQUEST, subject, restricted)
    return privacy.restrict_subject(cmd, identity.app.new_uow())


def count(identity: IdentityHarness, table, *where) -> int:
    with identity.app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def node_ids(identity: IdentityHarness, blind_indexes: set[bytes]) -> set[int]:
    with identity.app.engine.connect() as conn:
        rows = conn.execute(
            select(identifiers.c.id).where(identifiers.c.blind_index.in_(blind_indexes))
        )
        return set(rows.scalars())


def explain(identity: IdentityHarness, profile_id: str):
    return queries.explain_profile(commands.ExplainProfile(profile_id), identity.app.new_uow())[1]


def test_resolve_subject_returns_every_name_index_and_subject_id_across_merges(identity):
    story = story_of(identity)
    indexes, subjects = keys_of(identity.indexer, [*MAI, MAI_UNSEEN])

    by_identifier = mai(identity)
    by_old_name = resolve(identity, profiles=[story.by_user])

    assert by_identifier == Subject(frozenset(subjects), frozenset(indexes), frozenset(story.mai))
    seen_indexes, seen_subjects = keys_of(identity.indexer, MAI)
    assert by_old_name == Subject(
        frozenset(seen_subjects), frozenset(seen_indexes), frozenset(story.mai)
    )


def test_refused_split_off_and_blocked_identifiers_belong_to_someone_else(identity):
    story = story_of(identity)
    yen_indexes, _ = keys_of(identity.indexer, YEN)
    split_indexes, _ = keys_of(identity.indexer, [SPLIT_OFF])
    blocked, _ = keys_of(identity.indexer, [("anonymous_id", "null")])

    found = mai(identity)

    assert found.blind_indexes.isdisjoint(yen_indexes | split_indexes | blocked)
    assert story.yen not in found.profile_ids and story.split_off not in found.profile_ids
    assert resolve(identity, [("anonymous_id", "null")]) == Subject()
    assert resolve(identity, [SPLIT_OFF]).profile_ids == {story.split_off}
    assert resolve(identity, [YEN[1]]).profile_ids == {story.yen}


def test_resolve_subject_creates_nothing_and_names_identifiers_it_never_saw(identity):
    before = count(identity, identifiers)

    found = resolve(identity, [("email", "nobody@example.vn")], ["p" + "0" * 24])

    indexes, subjects = keys_of(identity.indexer, [("email", "nobody@example.vn")])
    assert found == Subject(frozenset(subjects), frozenset(indexes))
    assert count(identity, identifiers) == before == 0


def test_a_fenced_person_is_dropped_and_counted_and_never_linked(identity):
    story_of(identity)
    subject = mai(identity)
    nodes_before = count(identity, identifiers)

    added = fence(identity, subject)
    again = fence(identity, subject)
    result = identity.resolve(
        *[(f"r{n}", [ids, ("anonymous_id", f"new-{n}")]) for n, ids in enumerate(RESPELLED)],
        ("y3", [YEN[0], ("anonymous_id", "yen-phone")]),
    )
    refused = handlers.resolve_identities(
        identify_command([("email", "Mai@example.vn"), ("anonymous_id", "fresh")]),
        identity.app.new_uow(),
        identity.app.rules,
    )

    assert added == len(subject.blind_indexes) + len(subject.subject_ids) and again == 0
    assert (result.resolved, result.suppressed) == (1, len(RESPELLED))
    assert count(identity, identifiers) == nodes_before + 1  # Yen's new phone id only
    assert count(identity, processed_messages, processed_messages.c.message_id.like("r%")) == 0
    assert refused[0].profile_id is None
    assert [(r.type, r.reason) for r in refused[0].refused] == [("email", "SUBJECT_ERASED")]
    with pytest.raises(IdentifierNotFound):
        lookup(identity, "anonymous_id", "new-0")


def test_fencing_purges_this_process_key_cache(dev_dir, database_url, keys):
    fetched: list[str] = []

    def fetch(subject_ids, create):
        fetched.extend(subject_ids)
        return keys.get_keys(subject_ids, create)

    cache = CachedKeySource(fetch, ttl=3600)
    harness = make_identity(dev_dir, database_url, keys)
    harness.app.stop()
    app = bootstrap(harness.settings, key_source=cache)
    try:
        built = IdentityHarness(app, harness.settings, harness.indexer, harness.vault)
        built.resolve(("s1", [MAI[1]]))
        subject = resolve(built, [MAI[1]])
        cache.get_keys(sorted(subject.subject_ids), False)
        fetched.clear()

        fence(built, subject)
        cache.get_keys(sorted(subject.subject_ids), False)

        assert app.key_cache is cache
        assert sorted(fetched) == sorted(subject.subject_ids)
    finally:
        app.stop()


def test_batches_committed_after_the_fence_never_link_the_person(identity):
    identity.resolve(("s0", [MAI[1]]))
    subject = resolve(identity, [MAI[1]])
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_sending() -> None:
        try:
            for n in range(200):
                if stop.is_set():
                    return
                identity.resolve((f"c{n}", [MAI[1], ("anonymous_id", f"c-{n}")]))
        except BaseException as exc:
            errors.append(exc)

    sender = threading.Thread(target=keep_sending)
    sender.start()
    fence(identity, subject)
    with identity.app.engine.connect() as conn:
        fenced_at = conn.execute(select(func.max(outbox.c.seq))).scalar()
    nodes_at_fence = count(identity, identifiers)
    identity.resolve(("after", [MAI[1], ("anonymous_id", "after")]))
    stop.set()
    sender.join(timeout=60)

    assert errors == []
    assert count(identity, outbox, outbox.c.seq > fenced_at) == 0
    assert count(identity, identifiers) == nodes_at_fence


def test_erasure_leaves_no_reference_and_cuts_the_person_out_of_shared_records(identity):
    story = story_of(identity)
    subject = mai(identity)
    mai_nodes = node_ids(identity, subject.blind_indexes)
    fence(identity, subject)

    counts = erase(identity, subject)
    repeat = erase(identity, subject)

    assert counts == {
        "identifiers": 5,
        "profiles": 4,
        "merge_records": 9,
        "merge_records_rewritten": 3,
        "split_requests": 0,
        "outbox_events": 11,
        "outbox_changes": 4,
        "outbox_entries_deleted": 11,
        "outbox_entries_rewritten": 1,
        "restrictions": 0,
    }
    assert repeat == dict.fromkeys(ERASE_KINDS, 0)
    hits = references(
        identity.app.engine, set(subject.blind_indexes), set(subject.subject_ids), story.mai
    )
    assert hits == []
    with identity.app.engine.connect() as conn:
        listed = conn.execute(select(merge_records.c.node_ids)).scalars()
        assert mai_nodes.isdisjoint(int(n) for ids in listed for n in ids.split(",") if n)
    yen = [
        (r.kind.value, r.before, r.after, [i.value for i in r.identities])
        for r in explain(identity, story.yen)
    ]
    assert yen == [
        ("CREATE", (), story.yen, ["u-9", "shared-tv"]),
        ("REFUSED", (story.yen,), "", ["shared-tv"]),
        ("REFUSED", (), story.yen, []),
    ]
    split_off = explain(identity, story.split_off)
    assert [(r.kind.value, r.before, r.after) for r in split_off] == [
        ("SPLIT", (), story.split_off)
    ]
    assert lookup(identity, *SPLIT_OFF) == story.split_off


def test_after_erasure_the_person_sent_again_links_to_nothing(identity):
    story_of(identity)
    subject = mai(identity)
    fence(identity, subject)
    erase(identity, subject)
    nodes = count(identity, identifiers)

    result = identity.resolve(
        *[(f"again{n}", [ids]) for n, ids in enumerate(RESPELLED)],
        *[(f"s{n}", [ids]) for n, ids in enumerate(MAI, start=1)],
        *[(f"late{n}", [ids]) for n, ids in enumerate(MAI)],
    )

    # Replayed messages stop at the kept processed rows; new ones at the suppression set.
    assert (result.resolved, result.duplicates, result.suppressed) == (0, 5, 4 + 5)
    assert count(identity, identifiers) == nodes
    for id_type, value in [*MAI, MAI_UNSEEN]:
        with pytest.raises(IdentifierNotFound):
            lookup(identity, id_type, value)


def test_export_opens_everything_held_before_erasure_and_nothing_after(identity):
    story = story_of(identity)
    subject = mai(identity)

    before = export(identity, subject)
    fence(identity, subject)
    erase(identity, subject)
    after = export(identity, subject)

    assert before["service"] == "identity"
    assert {p["profile"] for p in before["profiles"]} == {f"profiles/{p}" for p in story.mai}
    assert sorted((i["type"], i["value"]) for i in before["identities"]) == sorted(MAI)
    history = before["merge_history"]
    assert [r["kind"] for r in history].count("MERGE") == 3
    shared = [r for r in history if r["kind"] == "REFUSED" and r["reason"] == "LIMIT_EXCEEDED"]
    assert [(r["before_profiles"], r["after_profile"]) for r in shared] == [
        ([], f"profiles/{story.first}"),
        ([f"profiles/{story.first}"], ""),
    ]
    assert all(
        i["value"] not in ("u-9", "shared-tv", "d-split") for r in history for i in r["identities"]
    )
    assert after == {
        "service": "identity",
        "profiles": [],
        "identities": [],
        "merge_history": [],
        "restrictions": [],
    }


def test_restriction_blocks_ordinary_reads_until_lifted(identity):
    story = story_of(identity)
    subject = resolve(identity, [MAI[2]])
    reads = [
        lambda: lookup(identity, *MAI[1]),
        lambda: queries.list_profile_identities(
            commands.ListProfileIdentities(story.by_email), identity.app.new_uow()
        ),
        lambda: explain(identity, story.first),
    ]

    changed = restrict(identity, Subject(profile_ids=frozenset({story.late})), True)
    repeat = restrict(identity, Subject(profile_ids=frozenset({story.late})), True)
    blocked = []
    for read in reads:
        with pytest.raises(SubjectRestricted):
            read()
        blocked.append(True)
    still_resolved = resolve(identity, [MAI[2]])
    yen_sees = [i.value for r in explain(identity, story.yen) for i in r.identities]
    exported = export(identity, subject)
    lifted = restrict(identity, subject, False)

    assert changed == len(subject.subject_ids) + len(subject.blind_indexes) + 4 and repeat == 0
    assert blocked == [True, True, True] and still_resolved == subject
    assert "d-2" not in yen_sees and "shared-tv" in yen_sees
    assert len(exported["restrictions"]) == changed
    assert lifted == changed
    assert lookup(identity, *MAI[1]) == story.first
    assert "d-2" in [i.value for r in explain(identity, story.yen) for i in r.identities]
