"""Transport limits every server shares (privacy.md R24, figure T29), on a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from cdp.api.consent.v1 import key_service_pb2 as pb
from cdp.api.consent.v1 import key_service_pb2_grpc as pb_grpc
from cdp.consent.bootstrap import bootstrap
from cdp.consent.server import build_server
from cdp.consent.settings import Settings
from cdp.grpcx.roles import METHOD_ROLES, WRITE_METHODS
from cdp.grpcx.status import error_info

SUBJECT = "sub_" + "a" * 24


@pytest.fixture
def stub(dev_dir: Path, tmp_path: Path) -> Iterator[pb_grpc.KeyServiceStub]:
    settings = Settings.from_env(
        {"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": f"sqlite:///{tmp_path}/k.db"}
    )
    app = bootstrap(settings)
    server, port, _ = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield pb_grpc.KeyServiceStub(channel)
    server.stop(None)
    app.stop()


def test_a_write_without_a_deadline_is_refused_before_it_runs(stub, mint) -> None:
    request = pb.GetDataKeysRequest(subject_ids=[SUBJECT], create_missing=True)
    auth = [("authorization", f"Bearer {mint('service')}")]
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDataKeys(request, metadata=auth)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(caught.value)
    assert info.reason == "DEADLINE_REQUIRED" and info.metadata["field"] == "grpc-timeout"
    check = stub.GetDataKeys(pb.GetDataKeysRequest(subject_ids=[SUBJECT]), metadata=auth, timeout=5)
    assert check.keys[0].state == pb.KEY_STATE_MISSING  # nothing was created by the refused call


def test_metadata_over_16_kib_is_resource_exhausted(stub, mint) -> None:
    metadata = [("authorization", f"Bearer {mint('service')}"), ("x-padding", "p" * 17 * 1024)]
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDataKeys(pb.GetDataKeysRequest(subject_ids=[SUBJECT]), metadata=metadata, timeout=5)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_message_over_4_mib_is_resource_exhausted(stub, mint) -> None:
    request = pb.GetDataKeysRequest(subject_ids=["x" * 1024] * (4 * 1024 + 100))
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDataKeys(
            request, metadata=[("authorization", f"Bearer {mint('service')}")], timeout=10
        )
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_every_write_method_is_a_real_mapped_method() -> None:
    assert set(METHOD_ROLES) >= WRITE_METHODS
