"""Timeline pages on SQLite and PostgreSQL: newest first, keyset tokens, type and time filters."""

from __future__ import annotations

from cdp.profile.bootstrap import App
from cdp.profile.domain.commands import ListProfileEvents
from cdp.profile.domain.model import EventType
from cdp.profile.service_layer import queries
from tests.integration.profile.flows import apply
from tests.integration.profile.support import SECOND, Sealer, as_event, event, new_profile, request

T0 = 1_700_000_000 * SECOND


def _pages(app: App, query: ListProfileEvents) -> list[list[str]]:
    pages, token = [], ""
    for _ in range(20):
        page, token = queries.list_profile_events(
            ListProfileEvents(
                query.profile_id,
                query.page_size,
                token,
                query.types,
                query.start_time,
                query.end_time,
            ),
            app.new_uow(),
        )
        pages.append([e.message_id for e in page])
        if not token:
            break
    return pages


def test_pages_walk_the_timeline_newest_first_including_equal_times(
    app: App, sealer: Sealer
) -> None:
    person = new_profile()
    times = [T0, T0 + SECOND, T0 + SECOND, T0 + SECOND, T0 + 2 * SECOND]
    sent = [
        sealer.seal(event("track", user_id="u", name=f"E{i}", at=t)) for i, t in enumerate(times)
    ]
    apply(app, request(*(as_event(i + 1, person, s) for i, s in enumerate(sent))))

    pages = _pages(app, ListProfileEvents(person, 2, "", frozenset(), None, None))

    assert [len(p) for p in pages] == [2, 2, 1]
    flat = [m for page in pages for m in page]
    expected = [sent[4], sent[3], sent[2], sent[1], sent[0]]  # ties: the later stored comes first
    assert flat == [s.message_id for s in expected]


def test_types_and_a_half_open_time_range_filter_the_timeline(app: App, sealer: Sealer) -> None:
    person = new_profile()
    kinds = ["track", "page", "track", "identify", "track"]
    sent = [
        sealer.seal(event(kind, user_id="u", name=f"E{i}", at=T0 + i * SECOND))
        for i, kind in enumerate(kinds)
    ]
    apply(app, request(*(as_event(i + 1, person, s) for i, s in enumerate(sent))))
    tracks = frozenset({EventType.TRACK})

    (only_tracks,) = _pages(app, ListProfileEvents(person, 50, "", tracks, None, None))
    (window,) = _pages(
        app, ListProfileEvents(person, 50, "", frozenset(), T0 + SECOND, T0 + 4 * SECOND)
    )

    assert only_tracks == [sent[4].message_id, sent[2].message_id, sent[0].message_id]
    assert window == [sent[3].message_id, sent[2].message_id, sent[1].message_id]
