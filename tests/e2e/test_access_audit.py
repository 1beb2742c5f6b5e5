"""Every operator read of personal data appends exactly one audit entry, without the data (R22, T27)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid

from cdp.api.consent.v1 import privacy_service_pb2
from cdp.api.identity.v1 import identifier_pb2
from cdp.api.profile.v1 import profile_service_pb2, profile_service_pb2_grpc
from tests.support.client import SuiteClient, event, wait_for
from tests.support.privacy_client import privacy_stub
from tests.support.scan import encodings


def _chain(client: SuiteClient) -> privacy_service_pb2.VerifyAuditChainResponse:
    return privacy_stub(client).VerifyAuditChain(
        privacy_service_pb2.VerifyAuditChainRequest(),
        metadata=client.metadata("auditor"),
        timeout=60,
    )


def _person(client: SuiteClient) -> dict[str, str]:
    """A new person, waited for with the `service` role: those reads are not operator reads."""
    tag = uuid.uuid4().hex[:12]
    person = {"email": f"reader+{tag}@example.test", "user_id": f"reader-user-{tag}"}
    sent = [
        event("identify", user_id=person["user_id"], traits={"email": person["email"]}),
        event("track", user_id=person["user_id"], name="Viewed"),
    ]
    assert client.ingest(sent).accepted_count == len(sent)
    stub = profile_service_pb2_grpc.ProfileServiceStub(client.channel("profile"))
    request = profile_service_pb2.GetProfileRequest(
        identifier=identifier_pb2.Identifier(type="email", value=person["email"])
    )
    service = client.metadata("service")

    def arrived() -> profile_service_pb2.Profile | None:
        found = stub.GetProfile(request, metadata=service, timeout=10).profile
        return found if found.event_count == len(sent) else None

    profile = wait_for(arrived, timeout=60)
    person["profile"] = profile.name
    return person


def _entries_after(client: SuiteClient, sequence: int) -> list[dict]:
    """The chain's bodies past `sequence`, read from consent's database file (read-only)."""
    path = client.suite.data_dir / "consent.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT body FROM audit_entries WHERE sequence > ? ORDER BY sequence", (sequence,)
        ).fetchall()
    return [json.loads(body) for (body,) in rows]


def _consent_bytes(client: SuiteClient) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(client.suite.data_dir.glob("consent.db*")))


def test_a_profile_reader_get_profile_appends_exactly_one_pii_read_entry(
    client: SuiteClient,
) -> None:
    person = _person(client)
    before = _chain(client)

    profile = client.profile(email=person["email"])

    after = _chain(client)
    assert profile.name == person["profile"]
    assert before.valid and after.valid, after.problem
    assert after.entry_count == before.entry_count + 1
    [entry] = _entries_after(client, before.entry_count)
    assert (entry["action"], entry["actor"]) == ("pii.read", "test:profile_reader")
    assert entry["details"] == {
        "method": "/cdp.api.profile.v1.ProfileService/GetProfile",
        "service": "profile",
        "profile_count": 1,
        "profiles_digest": hashlib.sha256(person["profile"].encode()).hexdigest(),
    }


def test_an_identity_read_by_an_operator_is_audited_once_too(client: SuiteClient) -> None:
    person = _person(client)
    before = _chain(client)

    explained = client.explain(person["profile"])

    after = _chain(client)
    assert explained.profile == person["profile"]
    assert after.valid and after.entry_count == before.entry_count + 1
    [entry] = _entries_after(client, before.entry_count)
    assert entry["details"]["method"] == "/cdp.api.identity.v1.IdentityService/ExplainProfile"
    assert entry["details"]["service"] == "identity"


def test_the_read_entries_carry_no_personal_data(client: SuiteClient) -> None:
    person = _person(client)
    client.profile(email=person["email"])
    client.lookup("email", person["email"])

    stored = _consent_bytes(client)
    for value in (person["email"], person["user_id"], person["profile"].removeprefix("profiles/")):
        found = [name for name, form in encodings(value).items() if form.lower() in stored.lower()]
        assert found == [], f"consent's database holds a read value ({found})"
    assert _chain(client).valid
