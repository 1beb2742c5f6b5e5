"""Computed traits on SQLite and PostgreSQL: newest wins, merges, erasure and export."""

from __future__ import annotations

from cdp.profile.bootstrap import App
from cdp.profile.domain.commands import (
    ApplyComputedTraits,
    ComputedTraitChange,
    GetProfile,
)
from cdp.profile.domain.model import ComputedTrait
from cdp.profile.service_layer import computed, queries
from tests.integration.profile.flows import NO_IDENTITIES, apply, erase, export, fence
from tests.integration.profile.subjects import Person, rows_naming
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


def _put(app: App, *changes: tuple[str, str, object, int | None]) -> int:
    """(profile, key, value, compute_time); no compute_time removes the key."""
    command = ApplyComputedTraits(
        tuple(
            ComputedTraitChange(p, key, None if at is None else ComputedTrait(key, value, at))
            for p, key, value, at in changes
        )
    )
    return computed.apply_computed_traits(command, app.new_uow(write=True))


def _computed(app: App, profile_id: str) -> dict[str, tuple[object, int]]:
    query = GetProfile(profile_id, None, NO_IDENTITIES | {"computed_traits"})
    view = queries.get_profile(query, app.new_uow(), identity=None)  # type: ignore[arg-type]
    return {t.key: (t.value, t.compute_time) for t in view.computed_traits}


def _seed(app: App, sealer: Sealer, user: str, sequence: int) -> str:
    profile_id = new_profile()
    sent = sealer.seal(event("track", user_id=user, name="Paid", at=T0))
    apply(app, request(as_event(sequence, profile_id, sent)))
    return profile_id


def test_the_newest_compute_time_wins_and_an_unset_value_removes_the_key(
    app: App, sealer: Sealer
) -> None:
    person = _seed(app, sealer, "u-c", 1)
    stored = _put(app, (person, "orders", 3, T0), (person, "tier", {"level": "gold"}, T0))

    older = _put(app, (person, "orders", 1, T0 - SECOND))
    newer = _put(app, (person, "orders", 4, T0 + SECOND))
    removed = _put(app, (person, "tier", None, None))
    removed_again = _put(app, (person, "tier", None, None))

    assert (stored, older, newer, removed, removed_again) == (2, 0, 1, 1, 0)
    assert _computed(app, person) == {"orders": (4, T0 + SECOND)}


def test_values_for_a_merged_away_name_land_on_the_survivor_and_unknown_profiles_are_dropped(
    app: App, sealer: Sealer
) -> None:
    survivor, absorbed = _seed(app, sealer, "u-s", 1), _seed(app, sealer, "u-a", 2)
    apply(app, request(as_merge(3, survivor, absorbed)))

    applied = _put(app, (absorbed, "orders", 2, T0), (new_profile(), "orders", 9, T0))

    assert applied == 1
    assert _computed(app, survivor) == {"orders": (2, T0)}


def test_a_merge_moves_computed_traits_to_the_survivor_keeping_the_newest(
    app: App, sealer: Sealer
) -> None:
    survivor, absorbed = _seed(app, sealer, "u-s", 1), _seed(app, sealer, "u-a", 2)
    _put(
        app,
        (survivor, "orders", 1, T0),
        (survivor, "tier", "bronze", T0 + SECOND),
        (absorbed, "orders", 5, T0 + SECOND),
        (absorbed, "tier", "gold", T0),
        (absorbed, "churn_risk", 0.25, T0),
    )

    apply(app, request(as_merge(3, survivor, absorbed)))

    assert _computed(app, survivor) == {
        "orders": (5, T0 + SECOND),
        "tier": ("bronze", T0 + SECOND),
        "churn_risk": (0.25, T0),
    }


def test_export_includes_computed_traits_and_erasure_deletes_them(
    app: App, sealer: Sealer, database_url: str
) -> None:
    person = Person([("user_id", "u-erase")], [_seed(app, sealer, "u-erase", 1)])
    other = _seed(app, sealer, "u-other", 2)
    (profile_id,) = person.profiles
    _put(app, (profile_id, "orders", 3, T0), (other, "orders", 7, T0))
    subject = person.subject(sealer)

    exported = export(app, subject)
    fence(app, subject)
    counts = erase(app, subject)
    late = _put(app, (profile_id, "orders", 4, T0 + SECOND))

    assert exported["computed_traits"] == [
        {
            "profile": f"profiles/{profile_id}",
            "key": "orders",
            "value": 3,
            "compute_time": "2023-11-14T22:13:20.000000Z",
        }
    ]
    assert counts["computed_traits"] == 1 and late == 0
    assert export(app, subject)["computed_traits"] == []
    assert _computed(app, other) == {"orders": (7, T0)}
    assert rows_naming(database_url, subject) == []
