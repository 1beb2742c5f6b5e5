"""Rebuilding Segment messages from an access export (`cdp events send --from-export`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdp.api.ingestion.v1 import event_pb2
from cdp.cli.events import BATCH, _export_batches
from cdp.cli.reimport import NotAnExport, Rebuilt, read_export, rebuild, segment_message


def exported(**overrides: Any) -> dict[str, Any]:
    event = {
        "message_id": "m-1",
        "source": "web",
        "type": "identify",
        "event_name": "",
        "timestamp": "2026-01-02T03:04:05.123456789Z",
        "receive_time": "2026-01-02T03:04:06.000000000Z",
        "identifiers": [
            {"type": "user_id", "value": "u-1"},
            {"type": "email", "value": "an@example.test"},
            {"type": "device_id", "value": "dev-1"},
            {"type": "crm_id", "value": "c-1"},
        ],
        "properties": {},
        "traits": {"email": "An@Example.TEST", "name": "Nguyễn Văn An"},
        "context": {"device": {"id": "dev-1"}},
    }
    return {**event, **overrides}


def document(*events: dict[str, Any], profile: list[dict] | None = None) -> dict[str, Any]:
    services: dict[str, Any] = {"ingestion": {"service": "ingestion", "events": list(events)}}
    if profile is not None:
        services["profile"] = {"service": "profile", "events": profile}
    return {"request": "dataSubjectRequests/x", "services": services}


def test_identifiers_go_back_where_the_message_carried_them() -> None:
    message = segment_message(exported())

    assert message == {
        "type": "identify",
        "messageId": "m-1",
        "timestamp": "2026-01-02T03:04:05.123456789Z",
        "userId": "u-1",
        "traits": {"email": "An@Example.TEST", "name": "Nguyễn Văn An"},
        "context": {"device": {"id": "dev-1"}},
        "externalIds": {"crm_id": "c-1"},  # email and device id are in the documents already
    }


def test_envelope_ids_and_event_names_per_type() -> None:
    ids = [{"type": "user_id", "value": "u-1"}, {"type": "previous_id", "value": "a-1"}]
    alias = segment_message(exported(type="alias", identifiers=ids, traits={}, context={}))
    track = segment_message(exported(type="track", event_name="Order Completed"))
    page = segment_message(exported(type="page", event_name="Trang chủ"))
    anonymous = [{"type": "anonymous_id", "value": "a-1"}]
    screen = segment_message(exported(type="screen", event_name="Home", identifiers=anonymous))

    assert (alias["userId"], alias["previousId"]) == ("u-1", "a-1")
    assert "traits" not in alias and "context" not in alias and "externalIds" not in alias
    assert track["event"] == "Order Completed" and "name" not in track
    assert page["name"] == "Trang chủ" and "event" not in page
    assert screen["anonymousId"] == "a-1" and "userId" not in screen


def test_an_identifier_no_document_explains_came_from_external_ids() -> None:
    # A group's traits describe the group: ingestion never read an email there.
    group = segment_message(exported(type="group", traits={"email": "an@example.test"}))
    elsewhere = segment_message(exported(traits={"email": "other@example.test"}))

    assert group["externalIds"] == {"email": "an@example.test", "crm_id": "c-1"}
    assert elsewhere["externalIds"]["email"] == "an@example.test"


def test_group_id_category_and_integrations_come_back_from_the_exported_event() -> None:
    rebuilt = rebuild(
        document(
            exported(type="group", group_id="g-1", integrations={"All": True}),
            exported(message_id="m-2", type="page", event_name="P", category="Catalog"),
            exported(message_id="m-3", type="page", event_name="Q"),
        )
    )

    group, page, lone = (item.event for item in rebuilt)
    assert group.group_id == "g-1" and dict(group.integrations) == {"All": True}
    assert page.category == "Catalog" and not page.group_id
    assert not lone.category and not lone.HasField("integrations")


def test_the_event_keeps_the_logged_nanoseconds_and_its_source() -> None:
    (item,) = rebuild(document(exported()))

    assert item.position == 1 and item.source == "web" and item.problem is None
    assert item.event.timestamp.ToJsonString() == "2026-01-02T03:04:05.123456789Z"
    assert item.event.type == event_pb2.EVENT_TYPE_IDENTIFY
    assert dict(item.event.external_ids) == {"crm_id": "c-1"}
    assert item.event.traits["name"] == "Nguyễn Văn An"


def test_an_event_that_cannot_be_rebuilt_is_a_problem_naming_the_field() -> None:
    rebuilt = rebuild(
        document(
            exported(),
            "not an object",
            exported(identifiers="nope"),
            exported(type="purchase"),
            exported(timestamp="yesterday"),
        )
    )

    assert [(item.position, item.problem.field if item.problem else None) for item in rebuilt] == [
        (1, None),
        (2, "event"),
        (3, "identifiers"),
        (4, "type"),
        (5, "timestamp"),
    ]
    assert all("@" not in str(item.problem) for item in rebuilt)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe", b"[1, 2]", b'{"services": {"profile": {"events": []}}}', b"not json"],
)
def test_a_file_that_is_not_an_export_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)

    with pytest.raises(NotAnExport):
        read_export(path)


def test_batches_hold_one_source_and_at_most_a_batch_of_events(tmp_path: Path) -> None:
    sources = ["a"] * (BATCH + 1) + ["b"] * 2 + ["a"]
    events = [exported(message_id=f"m-{n}", source=s) for n, s in enumerate(sources)]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document(*events, "broken")))
    rebuilt = read_export(path)

    batches = list(_export_batches(rebuilt, ""))
    overridden = list(_export_batches(rebuilt, "mine"))

    assert [(source, len(found)) for source, _p, found, _bad in batches] == [
        ("a", BATCH),
        ("a", 1),
        ("b", 2),
        ("a", 1),
    ]
    assert batches[1][1] == [BATCH + 1]  # positions in services.ingestion.events, from 1
    assert [bad["line"] for *_rest, bad_list in batches for bad in bad_list] == [len(events) + 1]
    assert [(source, len(found)) for source, _p, found, _bad in overridden] == [
        ("mine", BATCH),
        ("mine", len(events) - BATCH),
    ]
    assert all(isinstance(item, Rebuilt) for item in rebuilt)
