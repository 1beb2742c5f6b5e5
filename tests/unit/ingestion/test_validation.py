"""Every per-event rule: an invalid event is REJECTED with a stable reason and field path, never the value."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from cdp.ingestion.domain.documents import DocumentSplitter
from cdp.ingestion.domain.model import Event, EventType, PreparedEvent, Status
from cdp.ingestion.domain.validation import prepare_batch
from tests.unit.ingestion.fakes import NOW_NS

DAY_NS = 86_400 * 10**9
LONG_EMAIL = "x" * 243 + "@example.com"  # 255 characters
SIXTEEN_DIGIT_PHONE = "+8490123456789012"


def _track(**changes) -> Event:
    base = Event(message_id="m-1", type=EventType.TRACK, user_id="u-1", event="Order Completed")
    return replace(base, **changes)


def _identify(traits: dict, **changes) -> Event:
    return replace(
        Event(message_id="m-1", type=EventType.IDENTIFY, user_id="u-1", traits=traits), **changes
    )


def _prepare(*events: Event, offset: int = 0):
    return prepare_batch(list(events), offset, NOW_NS, DocumentSplitter())


REJECTIONS = [
    ("message id missing", _track(message_id=""), "FIELD_REQUIRED", "message_id"),
    ("message id over 128", _track(message_id="m" * 129), "VALUE_TOO_LONG", "message_id"),
    ("type missing", _track(type=EventType.UNSPECIFIED), "FIELD_REQUIRED", "type"),
    ("type unknown", _track(type=None), "INVALID_VALUE", "type"),
    ("no user or anonymous id", _track(user_id=""), "FIELD_REQUIRED", "user_id"),
    ("blank user id only", _track(user_id="   "), "FIELD_REQUIRED", "user_id"),
    ("track without event", _track(event=""), "FIELD_REQUIRED", "event"),
    ("track event over 200", _track(event="e" * 201), "VALUE_TOO_LONG", "event"),
    ("page name over 200", _track(type=EventType.PAGE, name="n" * 201), "VALUE_TOO_LONG", "name"),
    ("alias without previous id", _track(type=EventType.ALIAS), "FIELD_REQUIRED", "previous_id"),
    ("group without group id", _track(type=EventType.GROUP), "FIELD_REQUIRED", "group_id"),
    ("257 traits", _identify({f"t{i}": i for i in range(257)}), "TOO_MANY_ITEMS", "traits"),
    ("trait key over 128", _identify({"k" * 129: 1}), "KEY_TOO_LONG", "traits"),
    ("trait value over 8 KiB", _identify({"bio": "b" * 8191}), "VALUE_TOO_LONG", "traits.bio"),
    (
        "nested trait over 8 KiB",
        _identify({"address": {"street": "s" * 8200}}),
        "VALUE_TOO_LONG",
        "traits.address",
    ),
    ("255-char email", _identify({"email": LONG_EMAIL}), "VALUE_TOO_LONG", "traits.email"),
    ("not an email", _identify({"email": "peter-at-example"}), "INVALID_EMAIL", "traits.email"),
    ("email not a string", _identify({"email": 42}), "INVALID_TYPE", "traits.email"),
    ("16-digit phone", _identify({"phone": SIXTEEN_DIGIT_PHONE}), "VALUE_TOO_LONG", "traits.phone"),
    ("not a phone", _identify({"phone": "12"}), "INVALID_PHONE", "traits.phone"),
    (
        "context email",
        _track(context={"traits": {"email": "nope"}}),
        "INVALID_EMAIL",
        "context.traits.email",
    ),
    ("name over 256", _identify({"name": "ก" * 257}), "VALUE_TOO_LONG", "traits.name"),
    (
        "firstName over 256",
        _identify({"firstName": "Ă" * 257}),
        "VALUE_TOO_LONG",
        "traits.firstName",
    ),
    ("lastName over 256", _identify({"lastName": "n" * 257}), "VALUE_TOO_LONG", "traits.lastName"),
    (
        "before 2000",
        _track(timestamp_ns=946_684_799 * 10**9),
        "TIMESTAMP_OUT_OF_RANGE",
        "timestamp",
    ),
    (
        "over a day ahead",
        _track(timestamp_ns=NOW_NS + DAY_NS + 10**9),
        "TIMESTAMP_OUT_OF_RANGE",
        "timestamp",
    ),
    ("user id over 256", _track(user_id="u" * 257), "VALUE_TOO_LONG", "user_id"),
    (
        "bad external id type",
        _track(external_ids={"CRM": "c-1"}),
        "UNKNOWN_IDENTIFIER_TYPE",
        "external_ids.CRM",
    ),
    (
        "placeholders only",
        _track(user_id="null", anonymous_id="undefined"),
        "IDENTITY_REQUIRED",
        "user_id",
    ),
    ("not a JSON number", _track(properties={"ratio": math.nan}), "INVALID_NUMBER", None),
]


@pytest.mark.parametrize(
    ("event", "reason", "field"),
    [case[1:] for case in REJECTIONS],
    ids=[case[0] for case in REJECTIONS],
)
def test_an_invalid_event_is_rejected_with_reason_and_field(
    event: Event, reason: str, field: str | None
) -> None:
    prepared, rejected = _prepare(_track(message_id="ok"), event)
    assert [p.message_id for p in prepared] == ["ok"]
    (result,) = rejected
    assert (result.index, result.status, result.reason) == (1, Status.REJECTED, reason)
    assert result.field == (f"events[1].{field}" if field else "events[1]")
    assert result.description.startswith(result.field)


def test_a_rejection_never_repeats_the_value() -> None:
    _, rejected = _prepare(_identify({"email": LONG_EMAIL, "name": "Nguyễn Văn An"}))
    assert LONG_EMAIL not in rejected[0].description and "x" * 20 not in rejected[0].description


def test_indexes_and_paths_count_from_the_stream_offset() -> None:
    _, rejected = _prepare(_track(), _track(event=""), offset=1000)
    assert (rejected[0].index, rejected[0].field) == (1001, "events[1001].event")


ACCEPTED = [
    ("254-char email", _identify({"email": "x" * 242 + "@example.com"})),
    ("international phone", _identify({"phone": "+84 912 345 678"})),
    ("VN national phone", _identify({"phone": "0912 345 678"})),
    ("TH national phone", _identify({"phone": "081 234 5678"})),
    ("Thai name of 256", _identify({"name": "ก" * 256, "firstName": "สมชาย", "lastName": "ใจดี"})),
    ("Vietnamese names", _identify({"firstName": "Nguyễn", "lastName": "Thị Minh Khai"})),
    ("256 traits", _identify({f"t{i}": i for i in range(256)})),
    ("trait value of 8 KiB", _identify({"bio": "b" * (8 * 1024 - 2)})),
    ("23 hours ahead", _track(timestamp_ns=NOW_NS + DAY_NS - 3600 * 10**9)),
    ("year 2000", _track(timestamp_ns=946_684_800 * 10**9)),
    ("anonymous only", _track(user_id="", anonymous_id="a-1")),
    ("placeholder email carried", _identify({"email": "null"})),
    ("empty email ignored", _identify({"email": ""})),
    ("alias", _track(type=EventType.ALIAS, previous_id="old-id")),
    (
        "group traits are the group's",
        _track(
            type=EventType.GROUP, group_id="g-1", traits={"email": "billing@", "name": "Initech"}
        ),
    ),
    ("page without name", _track(type=EventType.PAGE, event="")),
    ("identify without traits", _track(type=EventType.IDENTIFY, event="")),
]


@pytest.mark.parametrize(
    "event", [case[1] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_a_valid_event_is_prepared(event: Event) -> None:
    prepared, rejected = _prepare(event)
    assert rejected == []
    assert isinstance(prepared[0], PreparedEvent)


def test_the_timestamp_defaults_to_the_receive_time() -> None:
    (prepared,), _ = _prepare(_track())
    assert prepared.timestamp_ns == NOW_NS


def test_event_name_is_the_track_event_or_the_page_name() -> None:
    prepared, _ = _prepare(
        _track(),
        _track(message_id="p", type=EventType.PAGE, name="Home"),
        _track(message_id="i", type=EventType.IDENTIFY, event="ignored"),
    )
    assert [p.event_name for p in prepared] == ["Order Completed", "Home", ""]
