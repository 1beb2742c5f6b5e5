"""IdentityService over a real server on 127.0.0.1:0: answers, rich errors, authorisation, health."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from cdp.api.identity.v1 import identifier_pb2 as id_pb
from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as pb_grpc
from cdp.grpcx.status import error_info
from cdp.identity.bootstrap import bootstrap
from cdp.identity.server import build_server
from cdp.identity.settings import Settings
from cdp.pii import BlindIndexer, Vault
from tests.unit.identity.builders import identifier_set, sealed_event


class Client:
    def __init__(self, channel: grpc.Channel, mint, indexer: BlindIndexer, vault: Vault) -> None:
        self.stub = pb_grpc.IdentityServiceStub(channel)
        self.channel = channel
        self.indexer, self.vault = indexer, vault
        self.service = [("authorization", f"Bearer {mint('service')}")]
        self.reader = [("authorization", f"Bearer {mint('profile_reader')}")]
        self.admin = [("authorization", f"Bearer {mint('segment_admin')}")]

    def send(self, *events) -> pb.ResolveEventsResponse:
        sealed = [sealed_event(self.indexer, self.vault, m, ids) for m, ids in events]
        return self.stub.ResolveEvents(
            pb.ResolveEventsRequest(events=sealed), metadata=self.service, timeout=10
        )

    def lookup(self, id_type: str, value: str) -> str:
        request = pb.LookupProfileRequest(identifier=id_pb.Identifier(type=id_type, value=value))
        return self.stub.LookupProfile(request, metadata=self.reader, timeout=10).profile


@pytest.fixture
def client(dev_dir, tmp_path, keys, mint, consent_audit) -> Iterator[Client]:
    settings = Settings.from_env(
        {
            "CDP_DATA_DIR": str(dev_dir),
            "DATABASE_URL": f"sqlite:///{tmp_path}/id.db",
            "CDP_PROFILE_ADDR": "127.0.0.1:9",
            "CDP_CONSENT_ADDR": consent_audit.address,  # operator reads are audited there
        }
    )
    app = bootstrap(settings, key_source=keys)
    server, port, _health = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Client(channel, mint, BlindIndexer(settings.common.index_key()), Vault(keys))
    finally:
        channel.close()
        server.stop(grace=None).wait(timeout=10)
        app.stop()


def failure(call) -> tuple[grpc.StatusCode, str, list[str]]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    err = caught.value
    status = rpc_status.from_call(err)
    fields = []
    for detail in status.details if status else ():
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields.extend(v.field for v in bad.field_violations)
    info = error_info(err)
    return err.code(), info.reason if info else "", fields


def test_resolved_events_can_be_looked_up_listed_and_explained(client):
    response = client.send(
        ("e1", [("anonymous_id", "a-1")]),
        ("e2", [("anonymous_id", "a-1"), ("email", "Mai@Example.vn")]),
    )

    profile = client.lookup("email", "  mai@EXAMPLE.vn ")
    listed = client.stub.ListProfileIdentities(
        pb.ListProfileIdentitiesRequest(profile=profile), metadata=client.reader
    )
    explained = client.stub.ExplainProfile(
        pb.ExplainProfileRequest(profile=profile), metadata=client.reader
    )

    assert response.resolved_count == 2
    assert profile.startswith("profiles/p") and len(profile) == len("profiles/") + 25
    assert [(i.type, i.value, i.message_id) for i in listed.identities] == [
        ("anonymous_id", "a-1", "e1"),
        ("email", "mai@example.vn", "e2"),
    ]
    assert [(r.kind, r.rule) for r in explained.records] == [
        (pb.MERGE_KIND_CREATE, "new identifiers"),
        (pb.MERGE_KIND_LINK, "seen together with anonymous_id"),
    ]
    assert explained.records[1].identities[0].value == "mai@example.vn"
    assert client.send(("e2", [("anonymous_id", "a-1")])).resolved_count == 0


def test_resolve_identities_creates_merges_and_refuses(client):
    request = pb.ResolveIdentitiesRequest(
        sets=[
            identifier_set([("user_id", "u-1"), ("device_id", "d-1")], "m1"),
            identifier_set(
                [("user_id", "u-2"), ("device_id", "d-1"), ("anonymous_id", "null")], "m2"
            ),
            identifier_set([("anonymous_id", "a-3")], "m3"),
            identifier_set([("anonymous_id", "a-3"), ("user_id", "u-1")], "m4"),
        ]
    )

    found = client.stub.ResolveIdentities(request, metadata=client.service, timeout=10).resolutions

    assert found[0].created and found[1].created and found[2].created
    assert {(r.type, r.reason, r.rule) for r in found[1].refused} == {
        ("device_id", "LIMIT_EXCEEDED", "limit user_id <= 1"),
        ("anonymous_id", "BLOCKED_VALUE", "blocked value"),
    }
    assert found[3].profile == found[0].profile and list(found[3].merged_profiles) == [
        found[2].profile
    ]
    assert client.lookup("anonymous_id", "a-3") == found[0].profile


def test_split_profile_moves_identifiers_and_repeats_its_first_answer(client):
    client.send(("e1", [("user_id", "u-1"), ("phone", "0912 345 678"), ("device_id", "shared-tv")]))
    profile = client.lookup("user_id", "u-1")
    request = pb.SplitProfileRequest(
        profile=profile,
        request_id="split-1",
        identifiers=[id_pb.Identifier(type="device_id", value="shared-tv")],
    )

    first = client.stub.SplitProfile(request, metadata=client.admin, timeout=10)
    repeat = client.stub.SplitProfile(request, metadata=client.admin, timeout=10)

    assert repeat == first
    assert first.record.kind == pb.MERGE_KIND_SPLIT
    assert (
        list(first.record.before_profiles) == [profile]
        and first.record.after_profile == first.new_profile
    )
    assert [(i.type, i.value) for i in first.record.identities] == [("device_id", "shared-tv")]
    assert client.lookup("device_id", "shared-tv") == first.new_profile
    assert client.lookup("phone", "+84912345678") == profile


def test_unknown_identifiers_and_profiles_are_not_found(client):
    client.send(("e1", [("user_id", "u-1"), ("email", "a@b.vn")]))
    profile = client.lookup("user_id", "u-1")
    missing = "profiles/p" + "0" * 24

    assert failure(lambda: client.lookup("email", "nobody@b.vn"))[:2] == (
        grpc.StatusCode.NOT_FOUND,
        "IDENTIFIER_NOT_FOUND",
    )
    for call in (client.stub.ListProfileIdentities, client.stub.ExplainProfile):
        request_type = (
            pb.ListProfileIdentitiesRequest
            if call is client.stub.ListProfileIdentities
            else pb.ExplainProfileRequest
        )
        assert failure(
            lambda c=call, r=request_type: c(r(profile=missing), metadata=client.reader)
        )[:2] == (grpc.StatusCode.NOT_FOUND, "PROFILE_NOT_FOUND")
    split = pb.SplitProfileRequest(
        profile=profile, identifiers=[id_pb.Identifier(type="email", value="x@b.vn")]
    )
    assert failure(lambda: client.stub.SplitProfile(split, metadata=client.admin, timeout=10)) == (
        grpc.StatusCode.NOT_FOUND,
        "IDENTIFIER_NOT_FOUND",
        [],
    )


@pytest.mark.parametrize(
    "id_type, value, reason",
    [
        ("email", "not-an-email", "INVALID_EMAIL"),
        ("phone", "12", "INVALID_PHONE"),
        ("email", "", "FIELD_REQUIRED"),
    ],
)
def test_an_invalid_identifier_names_the_field_not_the_value(client, id_type, value, reason):
    request = pb.LookupProfileRequest(identifier=id_pb.Identifier(type=id_type, value=value))

    code, got, fields = failure(lambda: client.stub.LookupProfile(request, metadata=client.reader))

    assert (code, got, fields) == (grpc.StatusCode.INVALID_ARGUMENT, reason, ["identifier.value"])


def test_malformed_requests_are_invalid_arguments_with_their_field(client):
    too_many_sets = pb.ResolveIdentitiesRequest(sets=[identifier_set([("user_id", "u")])] * 501)
    too_many_ids = pb.ResolveIdentitiesRequest(
        sets=[identifier_set([("user_id", f"u{n}") for n in range(51)])]
    )
    bad_name = pb.ExplainProfileRequest(profile="people/123")
    empty_split = pb.SplitProfileRequest(profile="profiles/p" + "1" * 24)

    assert failure(
        lambda: client.stub.ResolveIdentities(too_many_sets, metadata=client.service, timeout=10)
    ) == (grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_ITEMS", ["sets"])
    assert failure(
        lambda: client.stub.ResolveIdentities(too_many_ids, metadata=client.service, timeout=10)
    ) == (grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_ITEMS", ["sets[0].identifiers"])
    assert failure(lambda: client.stub.ExplainProfile(bad_name, metadata=client.reader)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PROFILE_NAME",
        ["profile"],
    )
    assert failure(
        lambda: client.stub.SplitProfile(empty_split, metadata=client.admin, timeout=10)
    ) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        ["identifiers"],
    )
    assert failure(
        lambda: client.stub.LookupProfile(pb.LookupProfileRequest(), metadata=client.reader)
    ) == (grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED", ["identifier"])


def test_too_many_events_in_one_call_is_an_invalid_argument(client):
    event = sealed_event(client.indexer, client.vault, "e", [("anonymous_id", "a")])
    request = pb.ResolveEventsRequest(events=[event] * 2001)

    assert failure(
        lambda: client.stub.ResolveEvents(request, metadata=client.service, timeout=10)
    ) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "TOO_MANY_ITEMS",
        ["events"],
    )


def test_calls_without_a_token_or_the_right_role_are_refused(client, mint):
    lookup = pb.LookupProfileRequest(identifier=id_pb.Identifier(type="user_id", value="u"))
    reader_sending_events = [("authorization", f"Bearer {mint('profile_reader')}")]

    assert failure(lambda: client.stub.LookupProfile(lookup))[:2] == (
        grpc.StatusCode.UNAUTHENTICATED,
        "TOKEN_MISSING",
    )
    assert failure(
        lambda: client.stub.ResolveEvents(
            pb.ResolveEventsRequest(), metadata=reader_sending_events, timeout=10
        )
    )[:2] == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    assert failure(
        lambda: client.stub.LookupProfile(lookup, metadata=[("authorization", "Bearer x")])
    )[:2] == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")


def test_health_is_served_without_a_token(client):
    health = health_pb2_grpc.HealthStub(client.channel)

    answer = health.Check(
        health_pb2.HealthCheckRequest(service="cdp.api.identity.v1.IdentityService")
    )

    assert answer.status == health_pb2.HealthCheckResponse.SERVING
