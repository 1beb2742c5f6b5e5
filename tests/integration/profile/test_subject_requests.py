"""Data-subject requests on a real database (SQLite file and PostgreSQL): fence, erase, export, restrict."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format
from sqlalchemy import create_engine, select

from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.pii.keycache import CachedKeySource
from cdp.profile.adapters.orm import suppressions
from cdp.profile.bootstrap import App, bootstrap
from cdp.profile.domain.commands import BatchGetProfiles
from cdp.profile.domain.errors import ProfileNotFound, SubjectRestricted
from cdp.profile.domain.privacy import Subject
from cdp.profile.service_layer import queries
from cdp.profile.settings import Settings
from tests.integration.profile.flows import (
    NO_IDENTITIES,
    apply,
    erase,
    export,
    fence,
    read,
    restrict,
    timeline,
    traits,
)
from tests.integration.profile.subjects import Person, file_hits, rows_naming
from tests.integration.profile.support import (
    SECOND,
    Sealer,
    as_event,
    as_merge,
    event,
    new_profile,
    request,
)

T0 = 1_700_000_000 * SECOND


@dataclass
class World:
    """Ann (two profiles, one merged away, and two events left on Bob's profile) and Bob."""

    ann: Person
    bob: Person
    ann_changes: list[pb.ProfileChange] = field(default_factory=list)
    ann_sent: list = field(default_factory=list)
    bob_sent: list = field(default_factory=list)


def _world(app: App, sealer: Sealer) -> World:
    tag = uuid.uuid4().hex[:8]
    ann_ids = {"user_id": f"ann-{tag}", "email": f"ann+{tag}@example.test"}
    ann = Person(
        [*ann_ids.items(), ("anonymous_id", f"anon-{tag}")], [new_profile(), new_profile()]
    )
    bob = Person([("user_id", f"bob-{tag}")], [new_profile()])
    world = World(ann, bob)
    survivor, absorbed = ann.profiles
    (bobs,) = bob.profiles
    ann_on = [
        (absorbed, event("track", anonymous_id=f"anon-{tag}", name="Opened", at=T0)),
        (
            survivor,
            event(
                "identify",
                user_id=ann_ids["user_id"],
                traits={"email": ann_ids["email"], "plan": "gold"},
                at=T0 + SECOND,
            ),
        ),
        (survivor, event("track", user_id=ann_ids["user_id"], name="Paid", at=T0 + 2 * SECOND)),
        # Left on Bob's profile (as after a split): sealed under Ann's subject.
        (bobs, event("track", user_id=ann_ids["user_id"], name="Stray", at=T0 + 3 * SECOND)),
        (bobs, event("identify", user_id=ann_ids["user_id"], traits={"plan": "ann"}, at=T0 + 9)),
    ]
    bob_on = [
        event("identify", user_id=f"bob-{tag}", traits={"name": "Bob B", "plan": "pro"}, at=T0),
        event("track", user_id=f"bob-{tag}", name="Viewed", at=T0 + SECOND),
    ]
    changes = [as_event(n + 1, p, sealer.seal(e)) for n, (p, e) in enumerate(ann_on)]
    changes.insert(1, as_merge(10, survivor, absorbed))
    for n, change in enumerate(changes):
        change.sequence = n + 1
    world.ann_changes, world.ann_sent = changes, [e for _, e in ann_on]
    world.bob_sent = bob_on
    bob_changes = [as_event(100 + n, bobs, sealer.seal(e)) for n, e in enumerate(bob_on)]
    assert apply(app, request(*changes, *bob_changes)).applied == len(changes) + len(bob_changes)
    return world


def _replayed(changes: list[pb.ProfileChange], offset: int) -> list[pb.ProfileChange]:
    """The same changes under new sequence numbers, as a backfill would send them."""
    copies = []
    for change in changes:
        copy = pb.ProfileChange()
        copy.CopyFrom(change)
        copy.sequence += offset
        copies.append(copy)
    return copies


def test_erasure_deletes_every_row_of_the_subject_and_nothing_of_anyone_else(
    app: App, sealer: Sealer, keys, database_url: str
) -> None:
    world = _world(app, sealer)
    subject = world.ann.subject(sealer)
    for subject_id in subject.subject_ids:
        keys.destroy(subject_id)  # consent destroys the keys first
    fence(app, subject)
    before = rows_naming(database_url, subject)
    sqlite = database_url.startswith("sqlite")
    files_before = file_hits(database_url, subject) if sqlite else ["not a file database"]

    counts = erase(app, subject)

    # The scans see the subject before: they would catch a leftover.
    assert files_before
    assert {
        "profile_events.subject_id",
        "profile_events.anchor",
        "profile_traits.subject_id",
    } <= set(before)
    # Ann's identify on her profile left email + plan; her identify on Bob's left plan there.
    # Undelivered feed updates removed: her merge, her 5 events and her profile's traits; Bob's
    # traits update stays, without her plan (checked by rows_naming below).
    assert counts == {
        "profiles": 2,
        "traits": 3,
        "events": 5,
        "computed_traits": 0,
        "feed_updates": 7,
    }
    assert rows_naming(database_url, subject) == []
    if sqlite:
        assert file_hits(database_url, subject) == []
    (bobs,) = world.bob.profiles
    assert read(app, bobs).state.event_count == 2
    assert traits(app, bobs) == {"name": "Bob B", "plan": "pro"}
    assert [e.message_id for e in timeline(app, bobs)] == [
        e.message_id for e in reversed(world.bob_sent)
    ]
    for name in world.ann.profiles:
        with pytest.raises(ProfileNotFound):
            read(app, name)


def test_a_repeated_erasure_reports_zero_counts(app: App, sealer: Sealer) -> None:
    world = _world(app, sealer)
    subject = world.ann.subject(sealer)

    first, second = erase(app, subject), erase(app, subject)

    assert first["events"] == 5
    assert second == {
        "profiles": 0,
        "traits": 0,
        "events": 0,
        "computed_traits": 0,
        "feed_updates": 0,
    }


def test_an_erasure_keeps_no_merge_record_naming_the_subject(app: App, sealer: Sealer) -> None:
    world = _world(app, sealer)
    (bobs,) = world.bob.profiles
    survivor, _absorbed = world.ann.profiles
    # Identity once merged Ann's profile into Bob's; the erasure names only Ann's profiles.
    apply(app, request(as_merge(500, bobs, survivor)))
    assert read(app, bobs).state.merged_profiles == world.ann.profiles

    erase(app, world.ann.subject(sealer))

    state = read(app, bobs).state
    assert state.merged_profiles == [] and state.event_count == 2


def test_a_replay_after_erasure_stores_nothing(app: App, sealer: Sealer, database_url: str) -> None:
    world = _world(app, sealer)
    subject = world.ann.subject(sealer)
    fence(app, subject)
    erase(app, subject)

    replay = apply(app, request(*_replayed(world.ann_changes, 1000)))

    assert (replay.applied, replay.suppressed, replay.erased) == (0, 5, 0)
    assert rows_naming(database_url, subject) == []
    for name in world.ann.profiles:
        with pytest.raises(ProfileNotFound):
            read(app, name)


def test_the_fence_drops_events_by_any_identifier_or_profile_and_counts_them(
    app: App, sealer: Sealer
) -> None:
    world = _world(app, sealer)
    subject = world.ann.subject(sealer)
    (bobs,) = world.bob.profiles
    bob_id = world.bob.identifiers[0][1]
    ann_email = dict(world.ann.identifiers)["email"]
    stranger = new_profile()
    carrying_ann = event("track", user_id=bob_id, context={"traits": {"email": ann_email}})

    added = [fence(app, subject), fence(app, subject)]
    applied = apply(
        app,
        request(
            as_event(
                200,
                stranger,
                sealer.seal(event("track", user_id=dict(world.ann.identifiers)["user_id"])),
            ),
            as_event(201, bobs, sealer.seal(carrying_ann)),
            as_event(202, world.ann.profiles[0], sealer.seal(event("track", user_id=bob_id))),
            as_merge(203, bobs, *world.ann.profiles),
            as_event(204, bobs, sealer.seal(event("track", user_id=bob_id, name="Kept"))),
        ),
    )

    assert added == [3 + 3 + 2, 0]
    assert (applied.applied, applied.suppressed) == (1, 3)
    assert read(app, bobs).state.merged_profiles == []
    with pytest.raises(ProfileNotFound):
        read(app, stranger)


def test_erasing_ten_thousand_events_leaves_another_subject_intact(
    app: App, sealer: Sealer, database_url: str
) -> None:
    ann = Person([("user_id", f"ann-{uuid.uuid4().hex[:8]}")], [new_profile()])
    bob = Person([("user_id", f"bob-{uuid.uuid4().hex[:8]}")], [new_profile()])
    sequence = 0
    for start in range(0, 10_000, 2_000):
        batch = []
        for n in range(start, start + 2_000):
            sent = event(
                "track",
                user_id=ann.identifiers[0][1],
                name="Tick",
                at=T0 + n,
                properties={"n": n, "email": "ann@example.test"},
            )
            sequence += 1
            batch.append(as_event(sequence, ann.profiles[0], sealer.seal(sent)))
        apply(app, request(*batch))
    bob_sent = [event("track", user_id=bob.identifiers[0][1], at=T0 + n) for n in range(50)]
    apply(
        app,
        request(
            *(as_event(20_000 + n, bob.profiles[0], sealer.seal(e)) for n, e in enumerate(bob_sent))
        ),
    )
    subject = ann.subject(sealer)
    exported = export(app, subject)
    fence(app, subject)

    counts = erase(app, subject)

    assert len(exported["events"]) == 10_000
    assert exported["events"][-1]["properties"] == {"n": 9_999, "email": "ann@example.test"}
    assert counts == {
        "profiles": 1,
        "traits": 0,
        "events": 10_000,
        "computed_traits": 0,
        "feed_updates": 10_000,
    }
    assert rows_naming(database_url, subject) == []
    assert read(app, bob.profiles[0]).state.event_count == 50
    assert {e.message_id for e in timeline(app, bob.profiles[0])} == {
        e.message_id for e in bob_sent
    }


def test_export_opens_everything_held_and_is_empty_after_erasure(app: App, sealer: Sealer) -> None:
    world = _world(app, sealer)
    subject = world.ann.subject(sealer)
    survivor, absorbed = world.ann.profiles
    restrict(app, subject)  # restricted subjects are exported all the same

    document = export(app, subject)
    erase(app, subject)
    after = export(app, subject)

    assert document["service"] == "profile"
    assert [p["name"] for p in document["profiles"]] == sorted(
        f"profiles/{p}" for p in (survivor, absorbed)
    )
    email = next(t for t in document["traits"] if t["key"] == "email")
    assert email["value"] == dict(world.ann.identifiers)["email"] and email["personal"]
    assert email["provenance"]["message_id"] == world.ann_sent[1].message_id
    assert email["provenance"]["event_time"] == "2023-11-14T22:13:21.000000Z"
    exported = {e["message_id"]: e for e in document["events"]}
    assert set(exported) == {e.message_id for e in world.ann_sent}
    for sent in world.ann_sent:
        for part in ("properties", "traits", "context"):
            expected = json_format.MessageToDict(getattr(sent, part))
            assert exported[sent.message_id].get(part, {}) == expected
    assert after == {
        "service": "profile",
        "profiles": [],
        "traits": [],
        "events": [],
        "computed_traits": [],
    }


def test_a_restriction_blocks_reads_until_lifted_while_storage_goes_on(
    app: App, sealer: Sealer
) -> None:
    world = _world(app, sealer)
    subject = world.ann.subject(sealer)
    survivor, absorbed = world.ann.profiles
    ann_id = dict(world.ann.identifiers)["user_id"]

    changed = [restrict(app, subject), restrict(app, subject)]
    blocked = []
    for name in (survivor, absorbed):
        with pytest.raises(SubjectRestricted) as caught:
            read(app, name)
        blocked.append(caught.value.reason)
    with pytest.raises(SubjectRestricted):
        timeline(app, survivor)
    stored = apply(
        app, request(as_event(300, survivor, sealer.seal(event("track", user_id=ann_id))))
    )
    lifted = [restrict(app, subject, False), restrict(app, subject, False)]

    assert changed == [8, 0] and lifted == [8, 0]
    assert blocked == ["SUBJECT_RESTRICTED"] * 2
    assert stored.applied == 1
    assert read(app, survivor).state.event_count == 4
    assert len(timeline(app, survivor)) == 4


def test_a_restriction_by_subject_id_blocks_every_profile_holding_its_rows(
    app: App, sealer: Sealer
) -> None:
    world = _world(app, sealer)
    (bobs,) = world.bob.profiles
    ann_user = Subject(subject_ids=(sealer.subject_of(*world.ann.identifiers[0]),))
    restrict(app, ann_user)

    with pytest.raises(SubjectRestricted) as caught:  # a batch fails whole, naming the profile
        queries.batch_get_profiles(
            BatchGetProfiles((world.ann.profiles[0], bobs), NO_IDENTITIES),
            app.new_uow(),
            identity=None,  # type: ignore[arg-type]
        )

    assert caught.value.metadata["name"] == f"profiles/{world.ann.profiles[0]}"
    with pytest.raises(SubjectRestricted):
        read(app, bobs)  # Ann's stray events sit on Bob's profile


def test_erasure_deletes_the_subjects_restriction_records(
    app: App, sealer: Sealer, database_url: str
) -> None:
    world = _world(app, sealer)
    subject = world.ann.subject(sealer)
    restrict(app, subject)

    erase(app, subject)

    assert rows_naming(database_url, subject) == []
    assert restrict(app, subject, False) == 0


def test_a_fence_purges_the_subjects_keys_from_the_process_cache(
    database_url: str, keys, sealer: Sealer, dev_dir: Path
) -> None:
    cache = CachedKeySource(keys.get_keys, ttl=600)
    settings = Settings.from_env({"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": database_url})
    with grpc.insecure_channel("127.0.0.1:9") as unused:
        app = bootstrap(settings, key_source=cache, identity_channel=unused)
        try:
            ann = Person([("user_id", "cached-ann")], [new_profile()])
            (subject_id,) = ann.subject(sealer).subject_ids
            cache.get_keys([subject_id], create=True)
            keys.destroy(subject_id)  # in the key service; this process still caches the key
            cached = cache.get_keys([subject_id], create=False)[subject_id].destroyed

            fence(app, ann.subject(sealer))

            assert not cached
            assert cache.get_keys([subject_id], create=False)[subject_id].destroyed
        finally:
            app.close()


def test_fence_entries_keep_the_digest_format_already_stored(app: App, database_url: str) -> None:
    """Entries written before the digest moved to cdp.pii.subjects must keep matching."""
    subject_id, blind = "sub_abcdefghijklmnopqrstuvwx", bytes(range(32))

    fence(app, Subject((subject_id,), (blind,), ("p0123456789abcdef01234567",)))

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = {bytes(row.digest).hex() for row in conn.execute(select(suppressions))}
    finally:
        engine.dispose()
    assert stored == {
        "3aba3d51e259b6fcd90d8a32a1a778c1c3d64b638d836ceb7e581910e53e2378",
        "97dbea877ab35e834ae5290c6dbcceabb2dd8bf1ac02edb6ac337e490ada96bc",
        "aac9e8c2d4342cb5fbf2cbab85d1215a89188b8a19c687c38a2c5bbac1ceef64",
    }
