"""ApplyProfileChanges on SQLite and PostgreSQL: idempotent, newest trait wins, merges and splits."""

from __future__ import annotations

import grpc

from cdp.profile.bootstrap import App, bootstrap
from cdp.profile.settings import Settings
from tests.integration.profile.flows import apply, read, timeline, traits
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


def test_reapplying_the_same_changes_stores_nothing_twice(app: App, sealer: Sealer) -> None:
    person = new_profile()
    sent = [sealer.seal(event("track", user_id="u1", name=f"E{i}", at=T0 + i)) for i in range(3)]
    changes = request(*(as_event(100 + i, person, s) for i, s in enumerate(sent)))

    first, again = apply(app, changes), apply(app, changes)

    assert (first.applied, again.applied) == (3, 0)
    assert read(app, person).state.event_count == 3
    assert len(timeline(app, person)) == 3


def test_an_event_redelivered_under_a_new_sequence_is_still_stored_once(
    app: App, sealer: Sealer
) -> None:
    person = new_profile()
    sent = sealer.seal(event("identify", user_id="u1", traits={"plan": "pro"}, at=T0))

    apply(app, request(as_event(1, person, sent)))
    again = apply(app, request(as_event(2, person, sent), as_event(3, person, sent)))

    assert again.applied == 0
    assert read(app, person).state.event_count == 1


def test_changes_at_or_below_the_applied_sequence_are_skipped(app: App, sealer: Sealer) -> None:
    person = new_profile()
    apply(app, request(as_event(500, person, sealer.seal(event("track", user_id="u", at=T0)))))

    late = apply(app, request(as_event(499, person, sealer.seal(event("track", user_id="u")))))

    assert late.applied == 0 and read(app, person).state.event_count == 1


def test_late_events_never_overwrite_newer_trait_values(app: App, sealer: Sealer) -> None:
    person = new_profile()
    newer = sealer.seal(event("identify", user_id="u", traits={"plan": "enterprise"}, at=T0 + 10))
    older = sealer.seal(
        event("identify", user_id="u", traits={"plan": "free", "lang": "vi"}, at=T0 - 1000)
    )

    apply(app, request(as_event(1, person, newer)))
    apply(app, request(as_event(2, person, older)))

    view = read(app, person)
    found = {t.key: t for t in view.traits}
    assert found["plan"].value == "enterprise"
    assert found["plan"].provenance.message_id == newer.message_id
    assert found["plan"].provenance.event_time == T0 + 10
    assert found["lang"].value == "vi"  # the late event still sets what nothing newer set
    assert (view.state.first_seen, view.state.last_seen) == (T0 - 1000, T0 + 10)


def test_only_identify_events_set_traits(app: App, sealer: Sealer) -> None:
    person = new_profile()
    track = sealer.seal(
        event(
            "track", user_id="u", name="Viewed", context={"traits": {"plan": "from-context"}}, at=T0
        )
    )
    group = sealer.seal(
        event("group", user_id="u", group_id="acme", traits={"plan": "team"}, at=T0 + 1)
    )

    apply(app, request(as_event(1, person, track), as_event(2, person, group)))

    view = read(app, person)
    assert view.traits == [] and view.state.groups == ["acme"]


def test_a_merge_moves_events_and_traits_to_the_survivor(app: App, sealer: Sealer) -> None:
    survivor, absorbed = new_profile(), new_profile()
    apply(
        app,
        request(
            as_event(
                1,
                survivor,
                sealer.seal(
                    event(
                        "identify",
                        user_id="u",
                        at=T0 + 100,
                        traits={"plan": "pro", "city": "Hanoi"},
                    )
                ),
            ),
            as_event(
                2,
                absorbed,
                sealer.seal(
                    event(
                        "identify",
                        anonymous_id="a",
                        at=T0 + 200,
                        traits={"city": "Bangkok", "lang": "th"},
                    )
                ),
            ),
            as_event(
                3, absorbed, sealer.seal(event("group", anonymous_id="a", group_id="g", at=T0 - 50))
            ),
        ),
    )

    apply(app, request(as_merge(4, survivor, absorbed)))

    view = read(app, survivor)
    assert traits(app, survivor) == {"plan": "pro", "city": "Bangkok", "lang": "th"}
    assert (view.state.event_count, view.state.first_seen, view.state.last_seen) == (
        3,
        T0 - 50,
        T0 + 200,
    )
    assert view.state.merged_profiles == [absorbed] and view.state.groups == ["g"]
    assert read(app, absorbed).state.id == survivor  # the old name keeps resolving
    assert len(timeline(app, absorbed)) == 3


def test_a_merge_placed_before_its_event_in_one_call(app: App, sealer: Sealer) -> None:
    older, newer, later = new_profile(), new_profile(), new_profile()
    apply(
        app,
        request(
            as_event(1, older, sealer.seal(event("track", user_id="u", at=T0))),
            as_event(2, newer, sealer.seal(event("track", anonymous_id="a", at=T0))),
        ),
    )
    joining = sealer.seal(
        event("identify", user_id="u", anonymous_id="a", at=T0 + 5, traits={"plan": "pro"})
    )

    apply(
        app,
        request(as_merge(3, older, newer), as_event(4, older, joining), as_merge(5, older, later)),
    )

    view = read(app, older)
    assert view.state.event_count == 3 and traits(app, older) == {"plan": "pro"}
    assert sorted(view.state.merged_profiles) == sorted([newer, later])
    assert read(app, later).state.id == older


def test_merging_a_survivor_later_forwards_every_old_name(app: App, sealer: Sealer) -> None:
    a, b, c = new_profile(), new_profile(), new_profile()
    for n, person in enumerate((a, b, c)):
        apply(
            app,
            request(
                as_event(
                    n + 1,
                    person,
                    sealer.seal(event("identify", user_id=f"u{n}", traits={"n": n}, at=T0 + n)),
                )
            ),
        )

    apply(app, request(as_merge(10, b, c)))
    apply(app, request(as_merge(11, a, b)))

    assert {read(app, name).state.id for name in (a, b, c)} == {a}
    assert sorted(read(app, a).state.merged_profiles) == sorted([b, c])
    assert traits(app, a) == {"n": 2} and read(app, a).state.event_count == 3


def test_a_split_moves_anchored_events_and_recomputes_both_profiles(
    app: App, sealer: Sealer
) -> None:
    person, split_off = new_profile(), new_profile()
    mine = sealer.seal(
        event("identify", user_id="me", traits={"plan": "basic", "lang": "vi"}, at=T0)
    )
    theirs = sealer.seal(
        event(
            "identify",
            user_id="them",
            traits={"plan": "pro", "email": "them@example.com"},
            at=T0 + 10,
        )
    )
    their_order = sealer.seal(event("track", user_id="them", name="Order", at=T0 + 20))
    apply(
        app, request(*(as_event(n, person, s) for n, s in enumerate((mine, theirs, their_order))))
    )
    assert traits(app, person)["plan"] == "pro"

    moved = [sealer.blind_index("user_id", "them")]
    apply(app, request(as_split(10, person, split_off, moved)))

    assert traits(app, person) == {"plan": "basic", "lang": "vi"}
    assert traits(app, split_off) == {"plan": "pro", "email": "them@example.com"}
    assert [e.message_id for e in timeline(app, split_off)] == [
        their_order.message_id,
        theirs.message_id,
    ]
    kept = read(app, person).state
    assert (kept.event_count, kept.first_seen, kept.last_seen) == (1, T0, T0)
    assert read(app, split_off).state.event_count == 2


def test_the_timeline_rebuilds_every_document_exactly_as_sent(app: App, sealer: Sealer) -> None:
    person = new_profile()
    properties = {"revenue": 19.99, "products": [{"sku": "A", "name": "Áo dài"}], "coupon": None}
    context = {
        "ip": "203.0.113.9",
        "traits": {"email": "an@example.com"},
        "device": {"id": "dev-1", "model": "iPhone"},
    }
    sent = sealer.seal(
        event(
            "page",
            user_id="u",
            name="Home",
            category="Docs",
            properties=properties,
            context=context,
            at=T0,
        )
    )

    apply(app, request(as_event(1, person, sent)))

    (stored,) = timeline(app, person)
    assert stored.properties == properties and stored.context == context
    assert (stored.event_name, stored.category, stored.timestamp) == ("Home", "Docs", T0)


def test_the_schema_is_migrated_once_and_a_restart_keeps_the_data(
    app: App, sealer: Sealer, database_url: str, keys, dev_dir
) -> None:
    person = new_profile()
    apply(app, request(as_event(1, person, sealer.seal(event("track", user_id="u", at=T0)))))
    settings = Settings.from_env({"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": database_url})

    with grpc.insecure_channel("127.0.0.1:9") as unused:
        again = bootstrap(settings, key_source=keys, identity_channel=unused)
        try:
            assert read(again, person).state.event_count == 1
        finally:
            again.close()
