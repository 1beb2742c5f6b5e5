"""KeyService over a real server: one key per subject, none after destruction, deny by default."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from cdp.api.consent.v1 import key_service_pb2 as pb
from cdp.api.consent.v1 import key_service_pb2_grpc as pb_grpc
from cdp.consent.bootstrap import bootstrap
from cdp.consent.server import build_server
from cdp.consent.settings import Settings
from cdp.grpcx.status import error_info

ALICE, BOB = "sub_" + "a" * 24, "sub_" + "b" * 24


@pytest.fixture
def channel(dev_dir: Path, database_url: str) -> Iterator[grpc.Channel]:
    settings = Settings.from_env({"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": database_url})
    app = bootstrap(settings)
    server, port, _ = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as chan:
        yield chan
    server.stop(None)
    app.stop()


def _call(channel, method: str, request, token: str | None):
    metadata = [("authorization", f"Bearer {token}")] if token else []
    return getattr(pb_grpc.KeyServiceStub(channel), method)(request, metadata=metadata, timeout=10)


def test_a_subject_gets_one_stable_key(channel, mint) -> None:
    token = mint("service")
    first = _call(
        channel,
        "GetDataKeys",
        pb.GetDataKeysRequest(subject_ids=[ALICE], create_missing=True),
        token,
    )
    again = _call(channel, "GetDataKeys", pb.GetDataKeysRequest(subject_ids=[ALICE, BOB]), token)
    assert first.keys[0].state == pb.KEY_STATE_ACTIVE and len(first.keys[0].key) == 32
    assert again.keys[0].key == first.keys[0].key
    assert again.keys[1].state == pb.KEY_STATE_MISSING and again.keys[1].key == b""


def test_a_destroyed_key_is_gone_and_never_recreated(channel, mint) -> None:
    token = mint("service")
    _call(
        channel,
        "GetDataKeys",
        pb.GetDataKeysRequest(subject_ids=[ALICE], create_missing=True),
        token,
    )
    destroyed = _call(
        channel,
        "DestroyDataKeys",
        pb.DestroyDataKeysRequest(subject_ids=[ALICE, BOB]),
        mint("compliance_officer"),
    )
    after = _call(
        channel,
        "GetDataKeys",
        pb.GetDataKeysRequest(subject_ids=[ALICE, BOB], create_missing=True),
        token,
    )
    assert destroyed.destroyed_count == 1
    assert [k.state for k in after.keys] == [pb.KEY_STATE_DESTROYED, pb.KEY_STATE_DESTROYED]
    assert all(k.key == b"" for k in after.keys)


def test_rotating_the_kek_rewraps_keys_without_changing_them(channel, mint, dev_dir: Path) -> None:
    token = mint("service")
    before = _call(
        channel,
        "GetDataKeys",
        pb.GetDataKeysRequest(subject_ids=[ALICE], create_missing=True),
        token,
    )
    rotated = _call(
        channel,
        "RotateKeyEncryptionKey",
        pb.RotateKeyEncryptionKeyRequest(),
        mint("compliance_officer"),
    )
    after = _call(channel, "GetDataKeys", pb.GetDataKeysRequest(subject_ids=[ALICE]), token)
    assert rotated.kek_version == 2 and rotated.rewrapped_count == 1
    assert after.keys[0].key == before.keys[0].key  # T24: no decrypt failure after the minimum rose
    kek_file = json.loads((dev_dir / "keys" / "kek.json").read_text())
    assert kek_file["min_version"] == 2 and list(kek_file["versions"]) == ["2"]


def test_a_malformed_subject_id_is_invalid_argument_naming_the_field(channel, mint) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _call(
            channel,
            "GetDataKeys",
            pb.GetDataKeysRequest(subject_ids=[ALICE, "bob@example.com"]),
            mint("service"),
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(caught.value)
    assert info.reason == "INVALID_SUBJECT_ID" and info.metadata["field"] == "subject_ids[1]"
    assert "bob@example.com" not in caught.value.details()


def test_callers_without_a_token_or_the_role_are_refused_without_side_effects(
    channel, mint
) -> None:
    request = pb.GetDataKeysRequest(subject_ids=[ALICE], create_missing=True)
    with pytest.raises(grpc.RpcError) as unauthenticated:
        _call(channel, "GetDataKeys", request, None)
    with pytest.raises(grpc.RpcError) as denied:
        _call(channel, "GetDataKeys", request, mint("profile_reader"))
    with pytest.raises(grpc.RpcError) as forged:
        _call(channel, "GetDataKeys", request, mint("service")[:-4] + "AAAA")
    assert unauthenticated.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert forged.value.code() == grpc.StatusCode.UNAUTHENTICATED
    left = _call(
        channel, "GetDataKeys", pb.GetDataKeysRequest(subject_ids=[ALICE]), mint("service")
    )
    assert left.keys[0].state == pb.KEY_STATE_MISSING


def test_health_is_served_without_a_token(channel) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert response.status == health_pb2.HealthCheckResponse.SERVING
