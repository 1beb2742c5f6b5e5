"""The authorisation matrix over the running suite (T26): every role x every RPC it may not call,
on every service that serves it (the data-subject participant RPCs on all four participants)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import MethodDescriptor

from cdp.api.consent.v1 import (  # noqa: F401 - registers the descriptors
    consent_service_pb2,
    key_service_pb2,
    privacy_service_pb2,
)
from cdp.api.identity.v1 import identifier_pb2, identity_service_pb2  # noqa: F401
from cdp.api.ingestion.v1 import ingestion_service_pb2
from cdp.api.privacy.v1 import participant_service_pb2  # noqa: F401
from cdp.api.profile.v1 import profile_service_pb2  # noqa: F401
from cdp.api.segmentation.v1 import feed_service_pb2, segmentation_service_pb2  # noqa: F401
from cdp.grpcx.roles import METHOD_ROLES, WRITE_METHODS
from cdp.grpcx.status import error_info
from cdp.grpcx.tokens import ROLES, TokenIssuer
from cdp.pii import BlindIndexer, normalize
from tests.support.client import SuiteClient, event, wait_for
from tests.support.privacy_client import key_states, privacy_stub

DEADLINE = 5.0
PARTICIPANT_HOSTS = ("ingestion", "identity", "profile", "segmentation")
SERVICES = (
    "cdp.api.ingestion.v1.IngestionService",
    "cdp.api.identity.v1.IdentityService",
    "cdp.api.profile.v1.ProfileService",
    "cdp.api.segmentation.v1.SegmentationService",
    "cdp.api.segmentation.v1.SegmentationFeedService",
    "cdp.api.consent.v1.ConsentService",
    "cdp.api.consent.v1.PrivacyService",
    "cdp.api.consent.v1.KeyService",
    "cdp.api.privacy.v1.DataSubjectParticipantService",
)
REFUSED = {
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
}


@dataclass(frozen=True)
class Target:
    host: str  # the suite service whose port serves the method
    path: str  # /package.Service/Method
    method: MethodDescriptor

    @property
    def label(self) -> str:
        return f"{self.path}@{self.host}"


def _hosts(package: str) -> tuple[str, ...]:
    """Which running service serves a package: consent.v1 on consent, participants on four."""
    if package == "cdp.api.privacy.v1":
        return PARTICIPANT_HOSTS
    return (package.split(".")[2],)


def _targets() -> Iterator[Target]:
    pool = descriptor_pool.Default()
    for path in sorted(METHOD_ROLES):
        service_name, method_name = path.strip("/").split("/")
        package = service_name.rsplit(".", 1)[0]
        method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
        for host in _hosts(package):
            yield Target(host, path, method)


TARGETS = list(_targets())


def _call(
    client: SuiteClient, target: Target, metadata: list[tuple[str, str]] | None
) -> tuple[grpc.StatusCode, str]:
    """Calls the method with an empty request (generic stub, with a deadline): (code, reason)."""
    request_class = message_factory.GetMessageClass(target.method.input_type)
    response_class = message_factory.GetMessageClass(target.method.output_type)
    channel = client.channel(target.host)
    codec = {
        "request_serializer": request_class.SerializeToString,
        "response_deserializer": response_class.FromString,
    }
    options = {"metadata": metadata, "timeout": DEADLINE}
    streams_in, streams_out = target.method.client_streaming, target.method.server_streaming
    try:
        if streams_in and streams_out:
            list(channel.stream_stream(target.path, **codec)(iter([request_class()]), **options))
        elif streams_in:
            channel.stream_unary(target.path, **codec)(iter([request_class()]), **options)
        elif streams_out:
            list(channel.unary_stream(target.path, **codec)(request_class(), **options))
        else:
            channel.unary_unary(target.path, **codec)(request_class(), **options)
    except grpc.RpcError as err:
        info = error_info(err)
        return err.code(), info.reason if info else ""
    return grpc.StatusCode.OK, ""


def test_every_rpc_of_every_service_has_a_role_mapping() -> None:
    pool = descriptor_pool.Default()
    declared = {
        f"/{name}/{method.name}"
        for name in SERVICES
        for method in pool.FindServiceByName(name).methods
    }
    assert declared - set(METHOD_ROLES) == set()
    assert all(METHOD_ROLES[path] <= set(ROLES) for path in declared)


def test_every_role_not_allowed_is_denied_on_every_served_rpc(client: SuiteClient) -> None:
    tokens = {role: client.metadata(role) for role in ROLES}
    wrong: list[str] = []
    pairs = 0
    for target in TARGETS:
        for role in sorted(set(ROLES) - METHOD_ROLES[target.path]):
            pairs += 1
            code, reason = _call(client, target, tokens[role])
            if (code, reason) != (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED"):
                wrong.append(f"{target.label} as {role}: {code.name} {reason}")
    print(f"\nT26 denied pairs checked: {pairs} over {len(TARGETS)} served methods")
    assert pairs > 0
    assert wrong == [], f"{len(wrong)} of {pairs} non-allowed pairs not denied: {wrong}"


def test_a_call_without_a_valid_token_is_unauthenticated(client: SuiteClient) -> None:
    forged = TokenIssuer(Ed25519PrivateKey.generate()).mint("test:forger", tuple(ROLES))
    credentials = {
        "no token": (None, "TOKEN_MISSING"),
        "forged token": ([("authorization", f"Bearer {forged}")], "TOKEN_INVALID"),
    }
    wrong = []
    for target in TARGETS:
        for what, (metadata, expected) in credentials.items():
            code, reason = _call(client, target, metadata)
            if (code, reason) != (grpc.StatusCode.UNAUTHENTICATED, expected):
                wrong.append(f"{target.label} with {what}: {code.name} {reason}")
    print(f"\nT26 unauthenticated calls checked: {len(TARGETS) * len(credentials)}")
    assert wrong == [], f"{len(wrong)} calls without a valid token not refused: {wrong}"


def test_allowed_roles_pass_the_gate_on_read_rpcs(client: SuiteClient) -> None:
    """The other half of the matrix, on methods without side effects: an allowed role is never
    refused (an empty request may be invalid, but never denied, unimplemented or a crash)."""
    wrong = []
    for target in TARGETS:
        if target.path in WRITE_METHODS:
            continue
        for role in sorted(METHOD_ROLES[target.path]):
            code, reason = _call(client, target, client.metadata(role))
            if code in REFUSED:
                wrong.append(f"{target.label} as {role}: {code.name} {reason}")
    assert wrong == [], f"{len(wrong)} allowed calls refused: {wrong}"


def _person(client: SuiteClient) -> tuple[dict[str, str], int]:
    tag = uuid.uuid4().hex[:10]
    person = {"email": f"authz+{tag}@example.test", "user_id": f"authz-user-{tag}"}
    sent = [
        event("identify", user_id=person["user_id"], traits={"email": person["email"]}),
        event("track", user_id=person["user_id"], name="Signed Up"),
    ]
    assert client.ingest(sent).accepted_count == len(sent)
    wait_for(lambda: client.profile(email=person["email"]).event_count == len(sent), timeout=60)
    return person, len(sent)


@pytest.mark.parametrize(
    "role",
    sorted(
        set(ROLES) - METHOD_ROLES["/cdp.api.consent.v1.PrivacyService/CreateDataSubjectRequest"]
    ),
)
def test_a_denied_erasure_has_no_side_effect(client: SuiteClient, role: str) -> None:
    person, count = _person(client)
    request_id = str(uuid.uuid4())
    request = privacy_service_pb2.CreateDataSubjectRequestRequest(
        request_id=request_id,
        type=privacy_service_pb2.REQUEST_TYPE_ERASURE,
        jurisdiction="pdpl-vn",
        identities=[identifier_pb2.Identifier(type="email", value=person["email"])],
    )
    with pytest.raises(grpc.RpcError) as denied:
        privacy_stub(client).CreateDataSubjectRequest(
            request, metadata=client.metadata(role), timeout=DEADLINE
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

    # No request was recorded under that id ...
    with pytest.raises(grpc.RpcError) as missing:
        privacy_stub(client).GetDataSubjectRequest(
            privacy_service_pb2.GetDataSubjectRequestRequest(
                name=f"dataSubjectRequests/{request_id}"
            ),
            metadata=client.metadata("compliance_officer"),
            timeout=DEADLINE,
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    # ... the person's key is alive, they stay readable, and nothing of theirs is suppressed.
    indexer = BlindIndexer((client.suite.data_dir / "keys" / "index.key").read_bytes())
    subject_id = indexer.subject_id(indexer.index("email", normalize("email", person["email"])))
    assert key_states(client, [subject_id]) == [key_service_pb2.KEY_STATE_ACTIVE]
    assert client.profile(email=person["email"]).event_count == count
    late = client.ingest([event("track", user_id=person["user_id"], name="Still Here")])
    assert [r.status for r in late.results] == [ingestion_service_pb2.EVENT_STATUS_ACCEPTED]
    wait_for(lambda: client.profile(email=person["email"]).event_count == count + 1, timeout=60)
