"""The HTTP edge on 127.0.0.1:0 beside the real gRPC server: Segment's API over urllib (stdlib)."""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cdp.api.ingestion.v1 import event_pb2
from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2 as privacy_pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as privacy_grpc
from cdp.config.http_edge import ensure_dev_write_key, write_keys_path
from cdp.ingestion.adapters.orm import event_log, message_ids
from cdp.ingestion.http_edge import HttpEdge
from cdp.ingestion.settings import HttpSettings, Settings
from cdp.pii import BlindIndexer
from tests.contract.ingestion.conftest import Running, bearer
from tests.integration.ingestion.privacy_support import Person

MIB = 1024 * 1024


@dataclass
class Edge:
    running: Running
    port: int
    write_key: str

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def auth(self, write_key: str | None = None) -> dict[str, str]:
        credentials = f"{write_key or self.write_key}:".encode()
        return {"Authorization": "Basic " + base64.b64encode(credentials).decode()}


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict[str, str]
    raw: bytes


def _start(running: Running, dev_dir: Path, origins: tuple[str, ...]) -> tuple[HttpEdge, str]:
    keys_file = write_keys_path({}, dev_dir)
    write_key = ensure_dev_write_key(dev_dir, keys_file)
    settings = Settings.from_env({"CDP_DATA_DIR": str(dev_dir), "CDP_HTTP_PORT": "0"})
    assert settings.http == HttpSettings("127.0.0.1", 0, keys_file, ("*",))
    edge = HttpEdge(running.app.deps, HttpSettings("127.0.0.1", 0, keys_file, origins))
    edge.start()
    return edge, write_key


@pytest.fixture
def edge(running: Running, dev_dir: Path) -> Iterator[Edge]:
    server, write_key = _start(running, dev_dir, ("*",))
    try:
        yield Edge(running, server.port, write_key)
    finally:
        server.stop()


def _request(
    url: str, body: bytes | None = None, headers: dict | None = None, method: str = "POST"
) -> Answer:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return Answer(response.status, json.loads(raw or b"{}"), dict(response.headers), raw)
    except urllib.error.HTTPError as err:
        raw = err.read()
        return Answer(err.code, json.loads(raw or b"{}"), dict(err.headers), raw)


def _post(edge: Edge, path: str, document, headers: dict | None = None) -> Answer:
    headers = {"Content-Type": "application/json", **edge.auth(), **(headers or {})}
    return _request(edge.url(path), json.dumps(document).encode(), headers)


def _track(message_id: str | None = None, **fields) -> dict:
    message = {
        "type": "track",
        "messageId": message_id or uuid.uuid4().hex,
        "userId": "u-1",
        "event": "Clicked",
        "properties": {"plan": "pro"},
    }
    return {**message, **fields}


def _statuses(answer: Answer) -> list[tuple[str, str, str]]:
    return [(r["status"], r["reason"], r["field"]) for r in answer.body["results"]]


def _stored(edge: Edge) -> tuple[int, int]:
    with edge.running.app.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(message_ids)).scalar_one(),
            conn.execute(select(func.count()).select_from(event_log)).scalar_one(),
        )


def test_a_batch_is_accepted_and_a_resend_is_duplicate(edge: Edge) -> None:
    batch = {"batch": [_track("a"), _track("b")], "sentAt": "2026-01-01T00:00:00Z"}

    first = _post(edge, "/v1/batch", batch)
    assert (first.status, first.body["success"]) == (200, True)
    assert [(r["index"], r["messageId"], r["status"]) for r in first.body["results"]] == [
        (0, "a", "accepted"),
        (1, "b", "accepted"),
    ]
    again = _post(edge, "/v1/batch", batch)
    assert (again.status, [r["status"] for r in again.body["results"]]) == (
        200,
        ["duplicate", "duplicate"],
    )
    assert _stored(edge) == (2, 1)  # one log record per batch, the resend stored nothing


def test_http_and_grpc_share_dedup_because_they_share_the_handler(edge: Edge, mint) -> None:
    assert _statuses(_post(edge, "/v1/track", _track("shared"))) == [("accepted", "", "")]
    event = event_pb2.Event(
        message_id="shared", type=event_pb2.EVENT_TYPE_TRACK, user_id="u-1", event="Clicked"
    )
    response = edge.running.stub.IngestEvents(
        pb.IngestEventsRequest(source="dev", events=[event]),
        metadata=bearer(mint("ingest_writer")),
        timeout=10,
    )
    assert [r.status for r in response.results] == [pb.EVENT_STATUS_DUPLICATE]


def test_a_rejected_message_names_its_field_stores_nothing_and_echoes_no_value(
    edge: Edge,
) -> None:
    email = f"not-an-email-{uuid.uuid4().hex}"
    batch = {
        "batch": [
            _track("ok"),
            _track("no-event", event=""),
            {
                "type": "identify",
                "messageId": "bad-email",
                "userId": "u-2",
                "traits": {"email": email},
            },
            _track("bad-traits", traits=["x"]),
        ]
    }
    answer = _post(edge, "/v1/batch", batch)
    assert answer.status == 200
    assert _statuses(answer) == [
        ("accepted", "", ""),
        ("rejected", "FIELD_REQUIRED", "events[1].event"),
        ("rejected", "INVALID_EMAIL", "events[2].traits.email"),
        ("rejected", "INVALID_TYPE", "events[3].traits"),
    ]
    assert email.encode() not in answer.raw
    assert _stored(edge) == (1, 1)


@pytest.mark.parametrize("kind", ["track", "identify", "page", "screen", "group", "alias"])
def test_each_single_message_endpoint_takes_its_type_from_the_path(edge: Edge, kind: str) -> None:
    message = {
        "messageId": uuid.uuid4().hex,
        "userId": "u-1",
        "event": "Clicked",
        "name": "Home",
        "groupId": "g-1",
        "previousId": "anon-1",
    }
    assert _statuses(_post(edge, f"/v1/{kind}", message)) == [("accepted", "", "")]


def test_no_key_or_a_wrong_key_is_401_and_stores_nothing(edge: Edge) -> None:
    wrong = f"wk-{uuid.uuid4().hex}"
    body = json.dumps({"batch": [_track()]}).encode()
    missing = _request(edge.url("/v1/batch"), body, {"Content-Type": "application/json"})
    refused = _request(edge.url("/v1/batch"), body, edge.auth(wrong))
    in_body = _request(edge.url("/v1/batch"), json.dumps({"writeKey": wrong}).encode())

    assert (missing.status, missing.body["error"]["reason"]) == (401, "WRITE_KEY_REQUIRED")
    assert (refused.status, refused.body["error"]["reason"]) == (401, "WRITE_KEY_INVALID")
    assert (in_body.status, in_body.body["success"]) == (401, False)
    assert wrong.encode() not in refused.raw + in_body.raw
    assert _stored(edge) == (0, 0)


def test_the_write_key_may_travel_in_the_body_as_analytics_js_sends_it(edge: Edge) -> None:
    body = json.dumps({"writeKey": edge.write_key, "batch": [_track()]}).encode()
    answer = _request(edge.url("/v1/batch"), body, {"Content-Type": "text/plain"})
    assert _statuses(answer) == [("accepted", "", "")]


def test_a_body_over_4_mib_is_413(edge: Edge) -> None:
    padding = "x" * (4 * MIB)
    answer = _post(edge, "/v1/track", _track(properties={"padding": padding}))
    assert (answer.status, answer.body["error"]["reason"]) == (413, "BODY_TOO_LARGE")
    assert _stored(edge) == (0, 0)


def test_501_messages_or_bad_json_is_400(edge: Edge) -> None:
    too_many = _post(edge, "/v1/batch", {"batch": [_track() for _ in range(501)]})
    assert (too_many.status, too_many.body["error"]) == (
        400,
        {
            "code": 400,
            "reason": "TOO_MANY_ITEMS",
            "message": "batch has more than 500 messages",
            "field": "batch",
        },
    )
    bad = _request(edge.url("/v1/batch"), b'{"batch": [', edge.auth())
    assert (bad.status, bad.body["error"]["reason"]) == (400, "MALFORMED_JSON")
    assert _stored(edge) == (0, 0)


def test_a_gzip_body_is_accepted(edge: Edge) -> None:
    body = gzip.compress(json.dumps({"batch": [_track("zipped")]}).encode())
    headers = {**edge.auth(), "Content-Encoding": "gzip", "Content-Type": "application/json"}
    assert _statuses(_request(edge.url("/v1/batch"), body, headers)) == [("accepted", "", "")]


def test_a_browser_preflight_is_answered_and_responses_carry_cors(edge: Edge) -> None:
    preflight = _request(
        edge.url("/v1/batch"),
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, content-encoding",
        },
        method="OPTIONS",
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {
        h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"authorization", "content-type", "content-encoding"} <= allowed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    posted = _post(edge, "/v1/track", _track(), {"Origin": "https://shop.example"})
    assert posted.headers["Access-Control-Allow-Origin"] == "*"


def test_an_allow_list_admits_its_origins_only(running: Running, dev_dir: Path) -> None:
    server, write_key = _start(running, dev_dir, ("https://shop.example",))
    edge = Edge(running, server.port, write_key)
    try:
        listed = _post(edge, "/v1/track", _track(), {"Origin": "https://shop.example"})
        other = _post(edge, "/v1/track", _track(), {"Origin": "https://evil.example"})
        preflight = _request(
            edge.url("/v1/track"), headers={"Origin": "https://evil.example"}, method="OPTIONS"
        )
    finally:
        server.stop()
    assert (listed.status, listed.headers["Access-Control-Allow-Origin"]) == (
        200,
        "https://shop.example",
    )
    assert (other.status, other.body["error"]["reason"]) == (403, "ORIGIN_NOT_ALLOWED")
    assert preflight.status == 403 and "Access-Control-Allow-Origin" not in preflight.headers
    assert _stored(edge) == (1, 1)


def test_a_fenced_subject_is_suppressed_over_http_too(edge: Edge, mint) -> None:
    person = Person()
    indexer = BlindIndexer(edge.running.app.settings.common.index_key())
    participant = privacy_grpc.DataSubjectParticipantServiceStub(edge.running.channel)
    subject = privacy_pb.Subject(
        subject_ids=person.subject_ids(indexer), blind_indexes=person.blind_indexes(indexer)
    )
    participant.FenceSubject(
        privacy_pb.FenceSubjectRequest(
            request=f"dataSubjectRequests/{uuid.uuid4()}", subject=subject
        ),
        metadata=bearer(mint("service")),
        timeout=10,
    )
    answer = _post(
        edge,
        "/v1/identify",
        {"messageId": "m", "traits": {"email": person.email}, "anonymousId": "a"},
    )
    assert _statuses(answer) == [("suppressed", "SUBJECT_ERASED", "")]
    assert person.email.encode() not in answer.raw
    assert _stored(edge) == (0, 0)


def test_health_answers_and_unknown_paths_are_404(edge: Edge) -> None:
    assert _request(edge.url("/healthz"), method="GET").status == 200
    assert _post(edge, "/v1/import", {}).status == 404


def test_a_keep_alive_connection_survives_a_refused_request(edge: Edge) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", edge.port, timeout=30)
    try:
        connection.request("POST", "/v1/batch", b"{", edge.auth())
        refused = connection.getresponse()
        refused.read()
        connection.request("POST", "/v1/batch", json.dumps({"batch": [_track()]}), edge.auth())
        accepted = connection.getresponse()
        body = json.loads(accepted.read())
    finally:
        connection.close()
    assert (refused.status, accepted.status, body["results"][0]["status"]) == (
        400,
        200,
        "accepted",
    )
