"""Operator reads of the identity graph are audited once each on consent before they answer (R22)."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from cdp.api.identity.v1 import identifier_pb2 as id_pb
from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.grpcx.status import error_info
from cdp.identity.bootstrap import bootstrap
from cdp.identity.server import build_server
from cdp.identity.settings import Settings
from cdp.pii import BlindIndexer, Vault
from tests.contract.identity.test_identity_server import Client
from tests.support.access_audit import AuditPeer

METHOD = "/cdp.api.identity.v1.IdentityService/"


@pytest.fixture
def client(dev_dir, tmp_path, keys, mint, consent_audit: AuditPeer) -> Iterator[Client]:
    settings = Settings.from_env(
        {
            "CDP_DATA_DIR": str(dev_dir),
            "DATABASE_URL": f"sqlite:///{tmp_path}/id.db",
            "CDP_PROFILE_ADDR": "127.0.0.1:9",
            "CDP_CONSENT_ADDR": consent_audit.address,
        }
    )
    app = bootstrap(settings, key_source=keys)  # the real auditor, pointed at the fake consent
    server, port, _health = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Client(channel, mint, BlindIndexer(settings.common.index_key()), Vault(keys))
    finally:
        channel.close()
        server.stop(grace=None).wait(timeout=10)
        app.stop()


def _reads(client: Client, profile: str, metadata) -> list:
    """The three operator reads, each a thunk answering the profile it read."""
    identifier = id_pb.Identifier(type="email", value="Lan@Example.vn")
    stub = client.stub
    return [
        lambda: (
            stub.LookupProfile(
                pb.LookupProfileRequest(identifier=identifier), metadata=metadata, timeout=10
            ).profile
        ),
        lambda: (
            stub.ListProfileIdentities(
                pb.ListProfileIdentitiesRequest(profile=profile), metadata=metadata, timeout=10
            ).profile
        ),
        lambda: (
            stub.ExplainProfile(
                pb.ExplainProfileRequest(profile=profile), metadata=metadata, timeout=10
            ).profile
        ),
    ]


def _seed(client: Client, consent_audit: AuditPeer) -> str:
    client.send(("e1", [("anonymous_id", "a-9"), ("email", "lan@example.vn")]))
    profile = client.lookup("email", "lan@example.vn")
    consent_audit.recorder.calls.clear()  # the seeding lookup was an audited read of its own
    return profile


def _error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def test_each_operator_read_is_audited_once_with_its_method_and_profile(
    client: Client, consent_audit: AuditPeer
) -> None:
    profile = _seed(client, consent_audit)

    answered = [read() for read in _reads(client, profile, client.reader)]

    assert answered == [profile] * 3
    assert [(c.method, c.profiles) for c in consent_audit.calls] == [
        (METHOD + "LookupProfile", (profile,)),
        (METHOD + "ListProfileIdentities", (profile,)),
        (METHOD + "ExplainProfile", (profile,)),
    ]
    assert {(c.actor, c.service, c.caller_roles) for c in consent_audit.calls} == {
        ("test", "identity", frozenset({"service"}))
    }


def test_service_to_service_reads_are_not_audited(client: Client, consent_audit: AuditPeer) -> None:
    profile = _seed(client, consent_audit)

    answered = [read() for read in _reads(client, profile, client.service)]

    assert answered == [profile] * 3
    assert consent_audit.calls == []


def test_reads_that_fail_are_not_audited(client: Client, consent_audit: AuditPeer) -> None:
    unknown = "profiles/p" + "0" * 24
    reads = _reads(client, unknown, client.reader)

    failures = [_error(read) for read in reads]

    assert {e.code() for e in failures} == {grpc.StatusCode.NOT_FOUND}
    assert consent_audit.calls == []


def test_an_unreachable_auditor_fails_every_operator_read_closed(
    client: Client, consent_audit: AuditPeer
) -> None:
    profile = _seed(client, consent_audit)
    consent_audit.stop()

    failures = [_error(read) for read in _reads(client, profile, client.reader)]

    assert [(e.code(), error_info(e).reason) for e in failures] == [
        (grpc.StatusCode.UNAVAILABLE, "AUDIT_UNAVAILABLE")
    ] * 3
    assert all("lan@example.vn" not in (e.details() or "") for e in failures)
