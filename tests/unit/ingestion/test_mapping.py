"""Proto <-> domain: Struct documents convert exactly, times to nanoseconds, results back to protos."""

from __future__ import annotations

import pytest
from google.protobuf import json_format, timestamp_pb2

from cdp.api.ingestion.v1 import event_pb2
from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.ingestion import mapping
from cdp.ingestion.domain.model import EventResult, EventType, Status

DOCUMENT = {
    "s": "Áo dài",
    "i": 5,
    "f": 9.99,
    "neg": -3,
    "big": 2.0**60,
    "t": True,
    "n": None,
    "list": [1, "a", None, [2.5, {"k": False}]],
    "nested": {"empty": {}, "deep": {"x": []}},
}


def test_struct_to_dict_matches_the_json_mapping() -> None:
    event = event_pb2.Event()
    event.properties.update(DOCUMENT)
    converted = mapping.struct_to_dict(event.properties)
    assert converted == json_format.MessageToDict(event.properties) == DOCUMENT
    assert (
        type(converted["i"]) is int
        and type(converted["f"]) is float
        and type(converted["big"]) is float
    )


def test_an_event_converts_with_absent_documents_as_none() -> None:
    message = event_pb2.Event(
        message_id="m",
        type=event_pb2.EVENT_TYPE_PAGE,
        anonymous_id="a",
        name="Home",
        timestamp=timestamp_pb2.Timestamp(seconds=1_700_000_000, nanos=5),
        external_ids={"crm_id": "C-1"},
    )
    message.traits.SetInParent()
    event = mapping.event_from_proto(message)
    assert (event.type, event.name, event.timestamp_ns) == (
        EventType.PAGE,
        "Home",
        1_700_000_000 * 10**9 + 5,
    )
    assert (
        event.properties is None and event.traits == {} and event.external_ids == {"crm_id": "C-1"}
    )


@pytest.mark.parametrize(
    ("number", "expected"), [(0, EventType.UNSPECIFIED), (6, EventType.ALIAS), (42, None)]
)
def test_event_types_map_by_number(number: int, expected: EventType | None) -> None:
    assert mapping.event_from_proto(event_pb2.Event(type=number)).type is expected


def test_the_source_defaults_to_the_caller() -> None:
    assert mapping.batch_from_proto(pb.IngestEventsRequest(), "service:cli").source == "service:cli"
    assert (
        mapping.batch_from_proto(pb.IngestEventsRequest(source="web"), "service:cli").source
        == "web"
    )


def test_the_response_counts_each_status() -> None:
    results = [
        EventResult(0, "a", Status.ACCEPTED),
        EventResult(1, "b", Status.DUPLICATE),
        EventResult(
            2, "c", Status.REJECTED, "FIELD_REQUIRED", "events[2].event", "events[2].event: x"
        ),
        EventResult(3, "d", Status.SUPPRESSED, "SUBJECT_ERASED"),
    ]
    response = mapping.ingest_response(results)
    assert (
        response.accepted_count,
        response.duplicate_count,
        response.rejected_count,
        response.suppressed_count,
    ) == (1, 1, 1, 1)
    assert (
        response.results[2].field == "events[2].event"
        and response.results[3].reason == "SUBJECT_ERASED"
    )
    assert [r.status for r in response.results] == [1, 2, 3, 4]
