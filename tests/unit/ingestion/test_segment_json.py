"""Segment JSON messages become Event protos with the same documents, ids and times."""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from cdp.api.ingestion.v1 import event_pb2
from cdp.ingestion.mapping import struct_to_dict
from cdp.ingestion.segment_json import SegmentJsonError, event_from_json, events_from_json

TRACK = {
    "type": "track",
    "messageId": "022bb90c",
    "userId": "97980cfea0067",
    "anonymousId": "507f191e",
    "event": "Order Completed",
    "properties": {
        "revenue": 19.99,
        "products": [{"sku": "A", "qty": 2}],
        "coupon": None,
        "gift": False,
    },
    "context": {"ip": "8.8.8.8", "device": {"id": "B5372DB0"}},
    "integrations": {"All": True},
    "timestamp": "2015-12-10T04:08:31.905Z",
    "sentAt": "2015-12-10T04:08:31.581+07:00",
    "receivedAt": "2015-12-10T04:08:31.909Z",
    "version": 2,
    "channel": "server",
}


def test_a_track_message_maps_every_field() -> None:
    event = event_from_json(TRACK)
    assert (event.type, event.message_id, event.user_id, event.anonymous_id, event.event) == (
        event_pb2.EVENT_TYPE_TRACK,
        "022bb90c",
        "97980cfea0067",
        "507f191e",
        "Order Completed",
    )
    assert struct_to_dict(event.properties) == TRACK["properties"]
    assert json_format.MessageToDict(event.context) == TRACK["context"]
    assert event.timestamp.ToJsonString() == "2015-12-10T04:08:31.905Z"
    assert event.sent_at.ToJsonString() == "2015-12-09T21:08:31.581Z"


@pytest.mark.parametrize("kind", ["identify", "track", "page", "screen", "group", "alias", "Track"])
def test_every_type_maps_to_its_enum(kind: str) -> None:
    assert (
        event_pb2.EventType.Name(event_from_json({"type": kind}).type)
        == f"EVENT_TYPE_{kind.upper()}"
    )


def test_snake_case_keys_are_accepted_too() -> None:
    event = event_from_json(
        {
            "type": "alias",
            "message_id": "m",
            "user_id": "u",
            "previous_id": "p",
            "group_id": "g",
            "external_ids": {"crm_id": "C-1"},
        }
    )
    assert (event.message_id, event.user_id, event.previous_id, event.group_id) == (
        "m",
        "u",
        "p",
        "g",
    )
    assert dict(event.external_ids) == {"crm_id": "C-1"}


def test_group_page_and_alias_fields() -> None:
    group = event_from_json(
        {"type": "group", "groupId": "0e8c", "traits": {"name": "Initech", "employees": 329}}
    )
    page = event_from_json({"type": "page", "name": "Home", "category": "Docs"})
    alias = event_from_json({"type": "alias", "previousId": "jen@email.com", "userId": "507f"})
    assert group.group_id == "0e8c" and struct_to_dict(group.traits) == {
        "name": "Initech",
        "employees": 329,
    }
    assert (page.name, page.category) == ("Home", "Docs")
    assert alias.previous_id == "jen@email.com"


def test_numeric_ids_become_strings() -> None:
    assert event_from_json({"type": "track", "userId": 12345}).user_id == "12345"


def test_missing_parts_stay_unset_for_the_service_to_judge() -> None:
    event = event_from_json({"properties": {}})
    assert event.type == event_pb2.EVENT_TYPE_UNSPECIFIED and event.message_id == ""
    assert (
        event.HasField("properties")
        and not event.HasField("traits")
        and not event.HasField("timestamp")
    )


def test_a_naive_timestamp_is_utc() -> None:
    assert (
        event_from_json({"timestamp": "2024-01-02T03:04:05"}).timestamp.ToJsonString()
        == "2024-01-02T03:04:05Z"
    )


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "purchase"}, "type"),
        ({"type": 3}, "type"),
        ({"userId": {"id": 1}}, "userId"),
        ({"properties": ["a"]}, "properties"),
        ({"traits": "vip"}, "traits"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": 1700000000}, "timestamp"),
        ({"externalIds": ["C-1"]}, "externalIds"),
    ],
)
def test_unconvertible_shapes_name_the_field_not_the_value(message: dict, field: str) -> None:
    with pytest.raises(SegmentJsonError) as caught:
        event_from_json(message)
    assert caught.value.field == field
    assert "vip" not in str(caught.value) and "yesterday" not in str(caught.value)


def test_a_batch_envelope_or_a_list() -> None:
    messages = [{"type": "track", "event": "A"}, {"type": "identify"}]
    assert [e.type for e in events_from_json({"batch": messages})] == [2, 1]
    assert len(events_from_json(messages)) == 2
    with pytest.raises(SegmentJsonError):
        events_from_json({"messages": messages})
