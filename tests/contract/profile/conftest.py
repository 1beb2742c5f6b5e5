"""The real profile server on 127.0.0.1:0 next to small real IdentityService and PrivacyService fakes
(identity serving from a dict, consent recording the operator-read audits)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from cdp.api.identity.v1 import identity_service_pb2 as identity_pb
from cdp.api.identity.v1 import identity_service_pb2_grpc as identity_grpc
from cdp.api.privacy.v1 import participant_service_pb2_grpc as participant_grpc
from cdp.api.profile.v1 import profile_service_pb2 as pb
from cdp.api.profile.v1 import profile_service_pb2_grpc as pb_grpc
from cdp.errors import InvalidArgument, NotFound
from cdp.grpcx import server as grpc_server
from cdp.pii import BlindIndexer, InvalidIdentifier, Vault, normalize
from cdp.profile.bootstrap import App, bootstrap
from cdp.profile.server import build_server
from cdp.profile.settings import Settings
from tests.integration.profile.support import Sealer
from tests.support.access_audit import AuditPeer


class FakeIdentity(identity_grpc.IdentityServiceServicer):
    """LookupProfile and ListProfileIdentities from dicts, behind the suite's real interceptors."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, str], str] = {}
        self.identities: dict[str, list[identity_pb.ProfileIdentity]] = {}
        self.calls: Counter[str] = Counter()

    def link(self, profile_id: str, kind: str, value: str, message_id: str = "m") -> None:
        name = f"profiles/{profile_id}"
        self.names[(kind, normalize(kind, value))] = name
        identity = identity_pb.ProfileIdentity(
            type=kind, value=normalize(kind, value), message_id=message_id
        )
        identity.link_time.FromSeconds(1_700_000_000)
        self.identities.setdefault(name, []).append(identity)

    def LookupProfile(self, request, context):
        self.calls["LookupProfile"] += 1
        kind = request.identifier.type
        try:
            value = normalize(kind, request.identifier.value)
        except InvalidIdentifier as exc:
            raise InvalidArgument(exc.reason, str(exc), field="identifier.value") from None
        if (kind, value) not in self.names:
            raise NotFound("IDENTIFIER_NOT_FOUND", "no profile has this identifier")
        return identity_pb.LookupProfileResponse(profile=self.names[(kind, value)])

    def ListProfileIdentities(self, request, context):
        self.calls["ListProfileIdentities"] += 1
        return identity_pb.ListProfileIdentitiesResponse(
            profile=request.profile, identities=self.identities.get(request.profile, [])
        )


@dataclass
class Running:
    channel: grpc.Channel
    stub: pb_grpc.ProfileServiceStub
    identity: FakeIdentity
    app: App
    sealer: Sealer
    mint: Callable[..., str]
    database_url: str = ""
    consent: AuditPeer | None = None

    @property
    def participant(self) -> participant_grpc.DataSubjectParticipantServiceStub:
        return participant_grpc.DataSubjectParticipantServiceStub(self.channel)

    def md(self, role: str = "profile_reader") -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.mint(role)}")]

    def apply(self, *changes: pb.ProfileChange) -> pb.ApplyProfileChangesResponse:
        request = pb.ApplyProfileChangesRequest(changes=list(changes))
        return self.stub.ApplyProfileChanges(request, metadata=self.md("service"), timeout=10)


@pytest.fixture
def identity(dev_dir: Path) -> Iterator[tuple[FakeIdentity, int]]:
    fake = FakeIdentity()
    verifier = Settings.from_env({"CDP_DATA_DIR": str(dev_dir)}).common.verifier()
    server, port, _health = grpc_server.build_server(
        [grpc_server.registration(identity_grpc, fake)], "127.0.0.1:0", verifier
    )
    server.start()
    yield fake, port
    server.stop(None).wait()


@pytest.fixture
def running(
    dev_dir: Path,
    tmp_path: Path,
    keys,
    vault: Vault,
    indexer: BlindIndexer,
    mint,
    identity: tuple[FakeIdentity, int],
    consent_audit: AuditPeer,
) -> Iterator[Running]:
    fake, identity_port = identity
    database_url = f"sqlite:///{tmp_path / 'profile.db'}"
    settings = Settings.from_env(
        {
            "CDP_DATA_DIR": str(dev_dir),
            "DATABASE_URL": database_url,
            "CDP_IDENTITY_ADDR": f"127.0.0.1:{identity_port}",
            "CDP_CONSENT_ADDR": consent_audit.address,
        }
    )
    app = bootstrap(settings, key_source=keys)  # the real auditor, pointed at the fake consent
    server, port, _health = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield Running(
        channel,
        pb_grpc.ProfileServiceStub(channel),
        fake,
        app,
        Sealer(vault, indexer),
        mint,
        database_url,
        consent_audit,
    )
    channel.close()
    server.stop(None).wait()
    app.close()


def field_violations(err: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(err)
    fields = []
    for detail in status.details if status else ():
        request = error_details_pb2.BadRequest()
        if detail.Unpack(request):
            fields += [v.field for v in request.field_violations]
    return fields
