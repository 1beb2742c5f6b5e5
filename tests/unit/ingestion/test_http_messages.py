"""The HTTP edge's request rules: auth, limits, envelope, per-message results (no server, no I/O)."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from cdp.config import ConfigError
from cdp.config.http_edge import DEFAULT_HTTP_PORT, WriteKeys, hash_write_key
from cdp.errors import InvalidArgument, Unavailable
from cdp.ingestion import http_messages as m
from cdp.ingestion.adapters.repository import VaultSealer
from cdp.ingestion.domain.model import EventResult, Status
from cdp.ingestion.service_layer import handlers
from cdp.ingestion.settings import HttpSettings, Settings
from cdp.pii import BlindIndexer, Vault
from tests.unit.ingestion.fakes import FakeEventLog, dependencies


@pytest.fixture
def write_keys(tmp_path: Path) -> WriteKeys:
    path = tmp_path / "write_keys.json"
    path.write_text(json.dumps({"web": hash_write_key("wk-web")}))
    return WriteKeys(path)


@pytest.fixture
def log() -> FakeEventLog:
    return FakeEventLog()


@pytest.fixture
def deps(vault: Vault, indexer: BlindIndexer, log: FakeEventLog) -> handlers.Dependencies:
    return dependencies(VaultSealer(vault, indexer), log)


def _basic(username: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _refused(call, *args) -> m.HttpError:
    with pytest.raises(m.HttpError) as caught:
        call(*args)
    return caught.value


def _track(message_id: str, **fields) -> dict:
    return {"type": "track", "messageId": message_id, "userId": "u-1", "event": "E", **fields}


def test_the_basic_username_is_the_write_key_and_names_the_source(write_keys: WriteKeys) -> None:
    assert m.source_from_header(_basic("wk-web"), write_keys) == "web"
    assert m.source_from_header(None, write_keys) is None


@pytest.mark.parametrize(
    "header", [_basic("wk-other"), _basic(""), "Bearer wk-web", "Basic %%%", "Basic"]
)
def test_an_unknown_or_malformed_credential_is_401_without_echoing_it(
    write_keys: WriteKeys, header: str
) -> None:
    err = _refused(m.source_from_header, header, write_keys)
    assert (err.status, err.reason) == (401, "WRITE_KEY_INVALID")
    assert "wk-" not in json.dumps(err.body())
    assert err.headers["WWW-Authenticate"].startswith("Basic")


def test_analytics_js_may_send_the_write_key_in_the_body(write_keys: WriteKeys) -> None:
    assert m.source_from_body({"writeKey": "wk-web"}, write_keys) == "web"
    assert _refused(m.source_from_body, {}, write_keys).reason == "WRITE_KEY_REQUIRED"
    assert _refused(m.source_from_body, {"writeKey": 7}, write_keys).reason == "WRITE_KEY_REQUIRED"
    assert _refused(m.source_from_body, {"writeKey": "nope"}, write_keys).status == 401


def test_a_changed_keys_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "write_keys.json"
    keys = WriteKeys(path)
    assert keys.source("later") is None  # no file yet: no keys
    path.write_text(json.dumps({"app": hash_write_key("later")}))
    assert keys.source("later") == "app"


def test_content_length_is_required_and_capped_at_4_mib() -> None:
    assert m.content_length(str(m.MAX_BODY)) == m.MAX_BODY
    assert _refused(m.content_length, str(m.MAX_BODY + 1)).status == 413
    assert _refused(m.content_length, None).status == 411
    assert _refused(m.content_length, "-1").status == 400
    assert _refused(m.content_length, "ten").status == 400


def test_gzip_bodies_are_inflated_within_the_same_limit() -> None:
    assert m.decode_body(gzip.compress(b'{"a": 1}'), "gzip") == b'{"a": 1}'
    assert m.decode_body(b"{}", "") == b"{}"
    bomb = gzip.compress(b" " * (m.MAX_BODY + 1))
    assert _refused(m.decode_body, bomb, "gzip").status == 413
    assert _refused(m.decode_body, gzip.compress(b"{}")[:-8], "gzip").reason == "MALFORMED_GZIP"
    assert _refused(m.decode_body, b"{}", "gzip").reason == "MALFORMED_GZIP"
    assert _refused(m.decode_body, b"{}", "br").status == 415


@pytest.mark.parametrize("body", [b"{", b"[]", b'"x"', b'{"a": NaN}', b"\xff", b"[" * 100_000])
def test_a_body_that_is_not_one_json_object_is_400(body: bytes) -> None:
    err = _refused(m.parse_document, body)
    assert (err.status, err.reason) == (400, "MALFORMED_JSON")


def test_a_single_message_endpoint_names_the_type() -> None:
    assert m.messages_of({"type": "page", "event": "E"}, "track") == [
        {"type": "track", "event": "E"}
    ]


def test_the_batch_context_and_sent_at_apply_to_each_message_which_wins() -> None:
    document = {
        "batch": [{"context": {"locale": "vi-VN"}}, {"sentAt": "2026-01-02T00:00:00Z"}, "x"],
        "context": {"library": {"name": "analytics-node"}, "locale": "th-TH"},
        "sentAt": "2026-01-01T00:00:00Z",
    }
    first, second, third = m.messages_of(document, None)
    assert first["context"] == {"library": {"name": "analytics-node"}, "locale": "vi-VN"}
    assert first["sentAt"] == "2026-01-01T00:00:00Z"
    assert second["sentAt"] == "2026-01-02T00:00:00Z"
    assert third == "x"


def test_more_than_500_messages_or_no_batch_list_is_400() -> None:
    err = _refused(m.messages_of, {"batch": [{}] * 501}, None)
    assert (err.status, err.reason, err.field) == (400, "TOO_MANY_ITEMS", "batch")
    assert len(m.messages_of({"batch": [{}] * 500}, None)) == 500
    assert _refused(m.messages_of, {"batch": {}}, None).field == "batch"


def test_origins_follow_the_allow_list() -> None:
    assert m.allowed_origin("https://shop.example", ("*",)) == "*"
    assert m.allowed_origin("https://shop.example", ("https://shop.example",)) == (
        "https://shop.example"
    )
    assert m.allowed_origin(None, ("https://shop.example",)) is None
    err = _refused(m.allowed_origin, "https://evil.example", ("https://shop.example",))
    assert (err.status, err.reason) == (403, "ORIGIN_NOT_ALLOWED")


def test_headers_over_16_kib_are_refused() -> None:
    m.check_header_size([("X-A", "a" * 1000)], 16 * 1024)
    assert _refused(m.check_header_size, [("X-A", "a" * 16 * 1024)], 16 * 1024).status == 431


def test_unknown_paths_are_404() -> None:
    assert m.route("/v1/batch") is None
    assert m.route("/v1/identify") == "identify"
    assert _refused(m.route, "/v1/import").status == 404


def test_each_message_gets_its_result_numbered_as_sent(deps, log: FakeEventLog) -> None:
    messages = [
        "not an object",
        _track("a"),
        {**_track("b"), "traits": []},
        _track("c", event=""),
        _track("a"),
    ]
    results = m.ingest(messages, "web", deps)
    assert [(r.index, r.message_id, r.status, r.reason, r.field) for r in results] == [
        (0, "", Status.REJECTED, "INVALID_TYPE", "events[0]"),
        (1, "a", Status.ACCEPTED, "", ""),
        (2, "b", Status.REJECTED, "INVALID_TYPE", "events[2].traits"),
        (3, "c", Status.REJECTED, "FIELD_REQUIRED", "events[3].event"),
        (4, "a", Status.DUPLICATE, "", ""),
    ]
    assert results[3].description.startswith("events[3].event")
    assert log.logged_ids() == ["a"]


def test_unconvertible_text_and_deep_documents_are_rejected_alone(deps, log) -> None:
    deep: dict = {}
    cursor = deep
    for _ in range(m.MAX_DEPTH + 1):
        cursor["x"] = {}
        cursor = cursor["x"]
    messages = [_track("s", userId="\ud800"), _track("d", properties=deep), _track("ok")]
    results = m.ingest(messages, "web", deps)
    assert [(r.status, r.reason) for r in results] == [
        (Status.REJECTED, "INVALID_VALUE"),
        (Status.REJECTED, "TOO_DEEP"),
        (Status.ACCEPTED, ""),
    ]
    assert log.logged_ids() == ["ok"]


def test_the_response_names_each_status_as_segment_clients_expect_success() -> None:
    body = m.response_json(
        [EventResult(0, "a", Status.ACCEPTED), EventResult(1, "b", Status.SUPPRESSED, "X", "")]
    )
    assert body == {
        "success": True,
        "results": [
            {"index": 0, "messageId": "a", "status": "accepted", "reason": "", "field": ""},
            {"index": 1, "messageId": "b", "status": "suppressed", "reason": "X", "field": ""},
        ],
    }


def test_handler_errors_keep_their_reason_and_map_to_http_statuses() -> None:
    invalid = m.from_cdp_error(InvalidArgument("VALUE_TOO_LONG", "source is long", field="source"))
    assert (invalid.status, invalid.reason, invalid.field) == (400, "VALUE_TOO_LONG", "source")
    assert m.from_cdp_error(Unavailable("KEY_SERVICE_UNAVAILABLE", "retry")).status == 503


def test_the_edge_is_configured_from_the_environment(tmp_path: Path) -> None:
    env = {
        "CDP_DATA_DIR": str(tmp_path),
        "HOST": "0.0.0.0",
        "CDP_HTTP_PORT": "0",
        "CDP_HTTP_ALLOWED_ORIGINS": "https://a.example, https://b.example",
        "CDP_WRITE_KEYS_FILE": str(tmp_path / "k.json"),
    }
    assert Settings.from_env(env).http == HttpSettings(
        "0.0.0.0", 0, tmp_path / "k.json", ("https://a.example", "https://b.example")
    )
    default = Settings.from_env({"CDP_DATA_DIR": str(tmp_path)}).http
    assert default is not None and (default.host, default.port) == ("127.0.0.1", DEFAULT_HTTP_PORT)
    assert default.write_keys_file == tmp_path.resolve() / "keys" / "write_keys.json"
    with pytest.raises(ConfigError):
        Settings.from_env({**env, "CDP_HTTP_PORT": "70000"})
