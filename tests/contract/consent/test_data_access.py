"""PrivacyService.RecordDataAccess over a real server: exactly one "pii.read" entry per call, no
profile name in the chain, field-naming errors, `service` role only, and the chain still verifies."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import select

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as pb_grpc
from cdp.consent.adapters.audit_repository import read_entries
from cdp.consent.adapters.consent_orm import audit_entries
from cdp.consent.bootstrap import App, bootstrap
from cdp.consent.server import build_server
from cdp.consent.settings import Settings
from cdp.grpcx.status import error_info
from cdp.grpcx.tokens import ROLES

METHOD = "/cdp.api.profile.v1.ProfileService/GetProfile"
FIRST, SECOND = "profiles/p" + "a1" * 12, "profiles/p" + "0b" * 12


@dataclass
class Served:
    stub: pb_grpc.PrivacyServiceStub
    app: App
    mint: object

    def record(self, role: str = "service", **fields) -> pb.RecordDataAccessResponse:
        request = pb.RecordDataAccessRequest(
            **{"actor": "ops:lan", "method": METHOD, "profiles": [FIRST], "service": "profile"}
            | fields
        )
        metadata = [("authorization", f"Bearer {self.mint(role)}")]
        return self.stub.RecordDataAccess(request, metadata=metadata, timeout=10)

    def entries(self) -> list:
        with self.app.engine.connect() as conn:
            return read_entries(conn)


@pytest.fixture
def served(dev_dir: Path, database_url: str, mint) -> Iterator[Served]:
    settings = Settings.from_env({"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": database_url})
    app = bootstrap(settings)
    server, port, _ = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield Served(pb_grpc.PrivacyServiceStub(channel), app, mint)
    server.stop(None)
    app.stop()


def _error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def _fields(err: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(err)
    found = []
    for detail in status.details if status else ():
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found += [v.field for v in bad.field_violations]
    return found


def test_each_call_appends_exactly_one_pii_read_entry(served: Served) -> None:
    before = len(served.entries())

    first = served.record(profiles=[SECOND, FIRST])
    second = served.record(actor="ops:minh", method="/cdp.api.identity.v1.IdentityService/X")

    entries = served.entries()
    assert len(entries) == before + 2
    assert [first.sequence, second.sequence] == [e.sequence for e in entries[-2:]]
    entry = entries[-2]
    assert (entry.actor, entry.action, entry.subject_ids) == ("ops:lan", "pii.read", ())
    assert dict(entry.details) == {
        "method": METHOD,
        "service": "profile",
        "profile_count": 2,
        "profiles_digest": hashlib.sha256("\n".join(sorted([FIRST, SECOND])).encode()).hexdigest(),
    }
    assert entries[-1].actor == "ops:minh"


def test_the_chain_never_names_the_profiles_read(served: Served) -> None:
    served.record(profiles=[FIRST, SECOND])

    with served.app.engine.connect() as conn:
        stored = "".join(conn.execute(select(audit_entries.c.body)).scalars())
    assert "pii.read" in stored
    for name in (FIRST, SECOND):
        assert name.removeprefix("profiles/") not in stored


def test_the_same_profiles_in_any_order_give_the_same_digest(served: Served) -> None:
    served.record(profiles=[FIRST, SECOND])
    served.record(profiles=[SECOND, FIRST, SECOND])

    last_two = served.entries()[-2:]
    assert last_two[0].details["profiles_digest"] == last_two[1].details["profiles_digest"]
    assert last_two[1].details["profile_count"] == 2


@pytest.mark.parametrize(
    ("fields", "reason", "field"),
    [
        ({"actor": ""}, "FIELD_REQUIRED", "actor"),
        ({"actor": "a" * 257}, "VALUE_TOO_LONG", "actor"),
        ({"method": ""}, "FIELD_REQUIRED", "method"),
        ({"method": "/grpc.health.v1.Health/Check"}, "INVALID_METHOD", "method"),
        ({"method": "/cdp.api.profile.v1.lan@example.test/Get"}, "INVALID_METHOD", "method"),
        ({"profiles": []}, "FIELD_REQUIRED", "profiles"),
        ({"profiles": [FIRST, "profiles/lan@example.test"]}, "INVALID_PROFILE_NAME", "profiles[1]"),
        ({"profiles": ["profiles/p" + "A1" * 12]}, "INVALID_PROFILE_NAME", "profiles[0]"),
        ({"profiles": [FIRST + "\n"]}, "INVALID_PROFILE_NAME", "profiles[0]"),
        (
            {"profiles": [f"profiles/p{n:024x}" for n in range(101)]},
            "TOO_MANY_ITEMS",
            "profiles",
        ),
        ({"service": ""}, "FIELD_REQUIRED", "service"),
        ({"service": "consent"}, "INVALID_SERVICE", "service"),
    ],
)
def test_invalid_requests_name_the_field_and_append_nothing(
    served: Served, fields: dict, reason: str, field: str
) -> None:
    before = len(served.entries())

    err = _error(lambda: served.record(**fields))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(err).reason == reason and _fields(err) == [field]
    assert "lan@example.test" not in (err.details() or "")
    assert len(served.entries()) == before


def test_a_hundred_profiles_are_accepted(served: Served) -> None:
    served.record(profiles=[f"profiles/p{n:024x}" for n in range(100)])

    assert served.entries()[-1].details["profile_count"] == 100


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"service"}))
def test_only_the_service_role_may_record_a_read(served: Served, role: str) -> None:
    before = len(served.entries())

    err = _error(lambda: served.record(role=role))

    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(err).reason == "ROLE_NOT_ALLOWED"
    assert len(served.entries()) == before


def test_the_chain_still_verifies_after_recorded_reads(served: Served) -> None:
    sequences = [served.record(profiles=[f"profiles/p{n:024x}"]).sequence for n in range(7)]

    result = served.stub.VerifyAuditChain(
        pb.VerifyAuditChainRequest(),
        metadata=[("authorization", f"Bearer {served.mint('auditor')}")],
        timeout=30,
    )

    assert result.valid and result.problem == ""
    assert result.entry_count == sequences[-1] == len(served.entries())
    assert sequences == list(range(sequences[0], sequences[0] + 7))
