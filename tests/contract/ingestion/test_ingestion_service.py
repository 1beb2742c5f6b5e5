"""IngestionService over a real channel: per-event results, rich errors, transport limits, auth."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from sqlalchemy import func, select

from cdp.api.ingestion.v1 import event_pb2
from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc as pb_grpc
from cdp.grpcx.runtime import ensure_dev_keys
from cdp.grpcx.status import error_info
from cdp.grpcx.tokens import TokenIssuer, load_private_key
from cdp.ingestion.adapters.orm import event_log, message_ids
from cdp.ingestion.bootstrap import App, bootstrap
from cdp.ingestion.server import build_server
from cdp.ingestion.settings import Settings
from cdp.pii import BlindIndexer
from tests.contract.ingestion.conftest import Running, bearer


def _track(message_id: str | None = None, **fields) -> event_pb2.Event:
    event = event_pb2.Event(
        message_id=message_id or uuid.uuid4().hex,
        type=event_pb2.EVENT_TYPE_TRACK,
        user_id="u-1",
        event="Clicked",
    )
    for key, value in fields.items():
        if isinstance(value, dict):
            getattr(event, key).update(value)
        else:
            setattr(event, key, value)
    return event


def _field_violations(err: grpc.RpcError) -> list[str]:
    violations = []
    for detail in rpc_status.from_call(err).details:
        request = error_details_pb2.BadRequest()
        if detail.Unpack(request):
            violations += [violation.field for violation in request.field_violations]
    return violations


def _stored(app: App) -> tuple[int, int]:
    with app.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(message_ids)).scalar_one(),
            conn.execute(select(func.count()).select_from(event_log)).scalar_one(),
        )


def test_each_event_gets_its_result_and_the_counts_add_up(running: Running, mint) -> None:
    events = [
        _track("a"),
        _track("b", event=""),
        _track("c", traits={"email": "x" * 243 + "@example.com"}),
        _track("a"),
    ]
    response = running.stub.IngestEvents(
        pb.IngestEventsRequest(source="web", events=events),
        metadata=bearer(mint("ingest_writer")),
        timeout=10,
    )
    assert [(r.index, r.message_id, r.status) for r in response.results] == [
        (0, "a", pb.EVENT_STATUS_ACCEPTED),
        (1, "b", pb.EVENT_STATUS_REJECTED),
        (2, "c", pb.EVENT_STATUS_REJECTED),
        (3, "a", pb.EVENT_STATUS_DUPLICATE),
    ]
    assert [(r.reason, r.field) for r in response.results[1:3]] == [
        ("FIELD_REQUIRED", "events[1].event"),
        ("VALUE_TOO_LONG", "events[2].traits.email"),
    ]
    assert "x" * 20 not in response.results[2].description
    assert (
        response.accepted_count,
        response.duplicate_count,
        response.rejected_count,
        response.suppressed_count,
    ) == (1, 1, 2, 0)


def test_the_source_defaults_to_the_callers_subject(running: Running, mint) -> None:
    running.stub.IngestEvents(
        pb.IngestEventsRequest(events=[_track("a")]), metadata=bearer(mint("service")), timeout=10
    )
    with running.app.engine.connect() as conn:
        assert conn.execute(select(message_ids.c.source)).scalars().all() == ["test"]


def test_an_erased_subject_is_suppressed(running: Running, mint, keys) -> None:
    indexer = BlindIndexer(running.app.settings.common.index_key())  # the service's index key
    keys.destroy(indexer.subject_id(indexer.index("user_id", "gone")))
    response = running.stub.IngestEvents(
        pb.IngestEventsRequest(events=[_track(user_id="gone"), _track()]),
        metadata=bearer(mint("ingest_writer")),
        timeout=10,
    )
    assert [(r.status, r.reason) for r in response.results] == [
        (pb.EVENT_STATUS_SUPPRESSED, "SUBJECT_ERASED"),
        (pb.EVENT_STATUS_ACCEPTED, ""),
    ]
    assert response.suppressed_count == 1


def test_501_events_is_invalid_argument_with_the_events_field(running: Running, mint) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        running.stub.IngestEvents(
            pb.IngestEventsRequest(events=[_track() for _ in range(501)]),
            metadata=bearer(mint("ingest_writer")),
            timeout=10,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(caught.value).reason == "TOO_MANY_ITEMS"
    assert _field_violations(caught.value) == ["events"]
    assert _stored(running.app) == (0, 0)


def test_a_request_over_4_mib_is_resource_exhausted(running: Running, mint) -> None:
    big = [_track(properties={"blob": "x" * (1 << 20)}) for _ in range(5)]
    with pytest.raises(grpc.RpcError) as caught:
        running.stub.IngestEvents(
            pb.IngestEventsRequest(events=big), metadata=bearer(mint("ingest_writer")), timeout=10
        )
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert _stored(running.app) == (0, 0)


def _foreign_token(tmp_path: Path) -> str:
    other = tmp_path / "other"
    ensure_dev_keys(other)
    return TokenIssuer(load_private_key(other / "keys" / "token.pem")).mint(
        "test", ("ingest_writer",)
    )


@pytest.mark.parametrize("credentials", ["none", "forged", "expired", "garbage"])
def test_a_call_without_a_valid_token_is_unauthenticated(
    running: Running, mint, tmp_path: Path, credentials: str
) -> None:
    metadata = {
        "none": [],
        "forged": bearer(_foreign_token(tmp_path)),
        "expired": bearer(mint("ingest_writer", ttl=-60)),
        "garbage": bearer("not.a.jwt"),
    }[credentials]
    with pytest.raises(grpc.RpcError) as caught:
        running.stub.IngestEvents(
            pb.IngestEventsRequest(events=[_track()]), metadata=metadata, timeout=10
        )
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(caught.value).reason in ("TOKEN_MISSING", "TOKEN_INVALID")
    assert _stored(running.app) == (0, 0)


@pytest.mark.parametrize("method", ["IngestEvents", "ImportEvents"])
def test_a_profile_reader_is_denied_and_nothing_happens(
    running: Running, mint, method: str
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        if method == "IngestEvents":
            running.stub.IngestEvents(
                pb.IngestEventsRequest(events=[_track()]),
                metadata=bearer(mint("profile_reader")),
                timeout=10,
            )
        else:
            running.stub.ImportEvents(
                iter([pb.ImportEventsRequest(events=[_track()])]),
                metadata=bearer(mint("profile_reader")),
                timeout=10,
            )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(caught.value).reason == "ROLE_NOT_ALLOWED"
    assert _stored(running.app) == (0, 0)


def test_import_answers_totals_and_problems_across_the_stream(running: Running, mint) -> None:
    first = [_track(f"a{i}") for i in range(300)] + [_track(event="")]
    chunks = [
        pb.ImportEventsRequest(source="file", events=first),
        pb.ImportEventsRequest(
            source="ignored", events=[_track("a0"), _track(event=""), _track("b1")]
        ),
    ]
    response = running.stub.ImportEvents(
        iter(chunks), metadata=bearer(mint("ingest_writer")), timeout=30
    )
    assert (
        response.accepted_count,
        response.duplicate_count,
        response.rejected_count,
        response.suppressed_count,
    ) == (301, 1, 2, 0)
    assert [(p.index, p.field, p.reason) for p in response.problems] == [
        (300, "events[300].event", "FIELD_REQUIRED"),
        (302, "events[302].event", "FIELD_REQUIRED"),
    ]
    with running.app.engine.connect() as conn:
        assert set(conn.execute(select(message_ids.c.source)).scalars()) == {"file"}


def test_an_oversized_import_chunk_fails_the_stream_with_the_events_field(
    running: Running, mint
) -> None:
    chunks = [
        pb.ImportEventsRequest(events=[_track()]),
        pb.ImportEventsRequest(events=[_track() for _ in range(501)]),
    ]
    with pytest.raises(grpc.RpcError) as caught:
        running.stub.ImportEvents(iter(chunks), metadata=bearer(mint("ingest_writer")), timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _field_violations(caught.value) == ["events"]


def test_health_is_served_without_a_token(running: Running) -> None:
    stub = health_pb2_grpc.HealthStub(running.channel)
    response = stub.Check(
        health_pb2.HealthCheckRequest(service="cdp.api.ingestion.v1.IngestionService"), timeout=5
    )
    assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_an_unreachable_key_service_is_unavailable_and_stores_nothing(
    dev_dir: Path, tmp_path: Path, mint
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    env = {
        "CDP_DATA_DIR": str(dev_dir),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'keys-down.db'}",
        "CDP_CONSENT_ADDR": f"127.0.0.1:{closed}",
    }
    settings = Settings.from_env(env)
    app = bootstrap(settings)  # the real KeyService client, pointed at nothing
    server, port, _health = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.IngestionServiceStub(channel)
            with pytest.raises(grpc.RpcError) as caught:
                stub.IngestEvents(
                    pb.IngestEventsRequest(events=[_track()]),
                    metadata=bearer(mint("ingest_writer")),
                    timeout=30,
                )
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert error_info(caught.value).reason == "KEY_SERVICE_UNAVAILABLE"
        assert _stored(app) == (0, 0)
    finally:
        server.stop(grace=None).wait(timeout=10)
        app.stop()
