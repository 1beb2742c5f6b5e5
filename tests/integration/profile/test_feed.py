"""The feed to segmentation on SQLite and PostgreSQL: what ApplyProfileChanges and erasure queue.

The outbox payloads are decoded exactly as segmentation receives them; canary personal values must
never be in any of them.
"""

from __future__ import annotations

import uuid

from google.protobuf import json_format

from cdp.api.ingestion.v1 import event_pb2
from cdp.profile.adapters import feed as feed_adapter
from cdp.profile.bootstrap import App
from tests.integration.profile.feed import entries, kinds, last_seq, leaks, name, updates
from tests.integration.profile.flows import apply, erase, fence
from tests.integration.profile.subjects import Person
from tests.integration.profile.support import (
    SECOND,
    Sealer,
    as_event,
    as_merge,
    as_split,
    event,
    new_profile,
    request,
)

T0 = 1_700_000_000 * SECOND
CANARY_EMAIL = "canary.feed@example.test"
CANARY_NAME = "Canary Feedperson"


def _texts(found) -> list[tuple[str, str]]:
    return [(t.key, t.value.string_value) for t in found]


def test_stored_events_and_changed_traits_are_queued_without_personal_values(
    app: App, sealer: Sealer, database_url: str
) -> None:
    person = new_profile()
    identify = event(
        "identify",
        user_id="u-feed",
        traits={"email": CANARY_EMAIL, "name": CANARY_NAME, "plan": "pro"},
        at=T0,
    )
    track = event(
        "track",
        user_id="u-feed",
        name="Order Completed",
        properties={"total": 42, "email": CANARY_EMAIL, "items": [{"sku": "a1"}]},
        at=T0 + SECOND,
    )
    sealed = [sealer.seal(identify), sealer.seal(track)]

    apply(app, request(as_event(1, person, sealed[0]), as_event(2, person, sealed[1])))

    (entry,) = entries(database_url)
    found = entry.updates
    assert kinds(found) == ["event", "event", "traits"] and entry.item_count == 3
    first, second = found[0].event, found[1].event
    assert (first.profile, first.subject_id, first.source, first.message_id, first.type) == (
        name(person),
        sealed[0].subject_id,
        sealed[0].source,
        identify.message_id,
        event_pb2.EVENT_TYPE_IDENTIFY,
    )
    assert (second.event, second.event_time.ToMicroseconds()) == ("Order Completed", T0 + SECOND)
    assert json_format.MessageToDict(second.properties) == {"total": 42, "items": [{"sku": "a1"}]}
    assert found[2].traits.profile == name(person)
    traits = {t.key: t for t in found[2].traits.traits}
    assert traits["plan"].value.string_value == "pro" and not traits["plan"].personal
    for key in ("email", "name"):
        assert traits[key].personal and traits[key].value.WhichOneof("kind") == "null_value"
        assert traits[key].subject_id == sealed[0].subject_id
    assert leaks(database_url, [CANARY_EMAIL, CANARY_NAME]) == []


def test_only_traits_whose_value_changed_are_sent_and_a_redelivery_sends_nothing(
    app: App, sealer: Sealer, database_url: str
) -> None:
    person = new_profile()
    first = sealer.seal(event("identify", user_id="u", traits={"plan": "pro", "lang": "vi"}, at=T0))
    apply(app, request(as_event(1, person, first)))
    before = last_seq(database_url)
    newer = sealer.seal(
        event("identify", user_id="u", traits={"plan": "pro", "lang": "en"}, at=T0 + SECOND)
    )
    late = sealer.seal(event("identify", user_id="u", traits={"plan": "free"}, at=T0 - SECOND))
    batch = request(as_event(2, person, newer), as_event(3, person, late))

    apply(app, batch)
    apply(app, batch)

    found = updates(database_url, after=before)
    assert kinds(found) == ["event", "event", "traits"]
    assert _texts(found[2].traits.traits) == [("lang", "en")]


def test_a_merge_is_sent_before_the_events_it_moved_and_the_traits_it_changed(
    app: App, sealer: Sealer, database_url: str
) -> None:
    survivor, absorbed = new_profile(), new_profile()
    older = sealer.seal(event("identify", user_id="u-a", traits={"plan": "free"}, at=T0))
    newer = sealer.seal(
        event("identify", anonymous_id="anon-a", traits={"plan": "pro"}, at=T0 + SECOND)
    )
    apply(app, request(as_event(1, survivor, older), as_event(2, absorbed, newer)))
    before = last_seq(database_url)
    late = sealer.seal(event("track", anonymous_id="anon-a", name="Clicked", at=T0 + 2 * SECOND))

    apply(app, request(as_event(3, absorbed, late), as_merge(4, survivor, absorbed)))
    apply(app, request(as_merge(5, survivor, absorbed)))  # redundant: nothing new to say

    found = updates(database_url, after=before)
    assert kinds(found) == ["merged", "event", "traits"]
    assert found[0].merged.profile == name(survivor)
    assert list(found[0].merged.merged_profiles) == [name(absorbed)]
    assert (found[1].event.profile, found[1].event.message_id) == (name(survivor), late.message_id)
    assert found[2].traits.profile == name(survivor)
    assert _texts(found[2].traits.traits) == [("plan", "pro")]


def test_a_split_rebuilds_both_profiles_with_all_their_traits_and_events(
    app: App, sealer: Sealer, database_url: str
) -> None:
    person, split_off = new_profile(), new_profile()
    kept = [
        sealer.seal(
            event("identify", user_id="u-s", traits={"email": CANARY_EMAIL, "plan": "pro"}, at=T0)
        ),
        sealer.seal(event("track", user_id="u-s", name="Paid", at=T0 + SECOND)),
    ]
    moved = [
        sealer.seal(
            event("identify", anonymous_id="anon-s", traits={"lang": "th"}, at=T0 + 2 * SECOND)
        ),
        sealer.seal(
            event(
                "page",
                anonymous_id="anon-s",
                name="Home",
                properties={"path": "/", "name": CANARY_NAME},
                at=T0 + 3 * SECOND,
            )
        ),
    ]
    apply(app, request(*(as_event(n + 1, person, s) for n, s in enumerate(kept + moved))))
    before = last_seq(database_url)

    anchors = [sealer.blind_index("anonymous_id", "anon-s")]
    apply(app, request(as_split(10, person, split_off, anchors)))

    found = updates(database_url, after=before)
    assert kinds(found) == ["rebuilt", "rebuilt"]
    source, target = found[0].rebuilt, found[1].rebuilt
    assert (source.profile, target.profile) == (name(person), name(split_off))
    assert [e.message_id for e in source.events] == [s.message_id for s in kept]
    assert [e.message_id for e in target.events] == [s.message_id for s in moved]
    assert {t.key: t.personal for t in source.traits} == {"email": True, "plan": False}
    assert _texts(target.traits) == [("lang", "th")]
    assert target.events[1].event == "Home"
    assert json_format.MessageToDict(target.events[1].properties) == {"path": "/"}
    assert leaks(database_url, [CANARY_EMAIL, CANARY_NAME]) == []


def test_update_sequences_strictly_increase_across_the_whole_outbox(
    app: App, sealer: Sealer, database_url: str
) -> None:
    person, other = new_profile(), new_profile()
    for n in range(3):
        identify = event("identify", user_id="u-q", traits={"visits": n}, at=T0 + n)
        track = event("track", anonymous_id="anon-q", name="Tick", at=T0 + n)
        apply(
            app,
            request(
                as_event(10 * n + 1, person, sealer.seal(identify)),
                as_event(10 * n + 2, other, sealer.seal(track)),
            ),
        )
    apply(app, request(as_merge(100, person, other)))
    apply(
        app, request(as_split(101, person, other, [sealer.blind_index("anonymous_id", "anon-q")]))
    )

    found = entries(database_url)

    sequences = [u.sequence for entry in found for u in entry.updates]
    assert len(found) == 5  # one entry per applied batch
    assert sequences == sorted(set(sequences)) and sequences[0] > 0
    assert [e.item_count for e in found] == [len(e.updates) for e in found]


def test_erasure_removes_the_subject_from_queued_updates_and_rebuilds_the_profiles_it_touched(
    app: App, sealer: Sealer, keys, database_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    ann_user, bob_user = f"ann-{tag}", f"bob-{tag}"
    ann_profile, bob_profile = new_profile(), new_profile()
    ann_identify = event("identify", user_id=ann_user, traits={"email": CANARY_EMAIL}, at=T0)
    # Left on Bob's profile (as after a split): sealed under Ann's subject.
    stray = event("track", user_id=ann_user, name="Stray", at=T0 + SECOND)
    bob_sent = [
        event("identify", user_id=bob_user, traits={"plan": "pro"}, at=T0),
        event("track", user_id=bob_user, name="Viewed", at=T0 + 2 * SECOND),
    ]
    changes = [as_event(1, ann_profile, sealer.seal(ann_identify))]
    changes.append(as_event(2, bob_profile, sealer.seal(stray)))
    changes += [as_event(3 + n, bob_profile, sealer.seal(e)) for n, e in enumerate(bob_sent)]
    apply(app, request(*changes))
    subject = Person([("user_id", ann_user), ("email", CANARY_EMAIL)], [ann_profile])
    subject = subject.subject(sealer)
    for subject_id in subject.subject_ids:
        keys.destroy(subject_id)
    fence(app, subject)

    counts = erase(app, subject)

    found = updates(database_url)
    payloads = b"".join(entry.payload for entry in entries(database_url))
    assert counts["feed_updates"] == 3  # her two events and her traits; Bob's traits were his
    for needle in [*subject.subject_ids, name(ann_profile), ann_user]:
        assert needle.encode() not in payloads
    assert [u.event.message_id for u in found if u.WhichOneof("kind") == "event"] == [
        e.message_id for e in bob_sent
    ]
    rebuilt = [u.rebuilt for u in found if u.WhichOneof("kind") == "rebuilt"]
    assert [r.profile for r in rebuilt] == [name(bob_profile)]
    assert [e.message_id for e in rebuilt[0].events] == [e.message_id for e in bob_sent]
    assert _texts(rebuilt[0].traits) == [("plan", "pro")]


def test_a_batch_with_more_updates_than_an_entry_can_number_spans_entries_in_order(
    app: App, sealer: Sealer, database_url: str, monkeypatch
) -> None:
    monkeypatch.setattr(feed_adapter, "SEQUENCE_STRIDE", 2)  # a real stride is 1,000,000
    person = new_profile()
    sent = [event("track", user_id="u-w", name=f"E{n}", at=T0 + n) for n in range(5)]

    apply(app, request(*(as_event(n + 1, person, sealer.seal(e)) for n, e in enumerate(sent))))

    found = entries(database_url)
    sequences = [u.sequence for entry in found for u in entry.updates]
    assert [e.item_count for e in found] == [2, 2, 1]
    assert [u.event.message_id for e in found for u in e.updates] == [e.message_id for e in sent]
    assert sequences == sorted(set(sequences))
