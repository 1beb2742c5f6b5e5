"""Identity's data-subject RPCs over a real server on 127.0.0.1:0: ResolveSubject and the participant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import select

from cdp.api.identity.v1 import identifier_pb2 as id_pb
from cdp.api.identity.v1 import identity_service_pb2 as pb
from cdp.api.privacy.v1 import participant_service_pb2 as privacy_pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as privacy_grpc
from cdp.identity.adapters.orm import identifiers
from cdp.identity.bootstrap import App, bootstrap
from cdp.identity.server import build_server
from cdp.identity.settings import Settings
from cdp.pii import BlindIndexer, Vault
from tests.contract.identity.test_identity_server import Client, failure
from tests.integration.identity.story import (
    MAI,
    MAI_UNSEEN,
    RESPELLED,
    YEN,
    Story,
    keys_of,
    references,
    tell,
)
from tests.support.scan import encodings
from tests.unit.identity.builders import identifier_set

REQUEST = "dataSubjectRequests/0d7c3a52-8f0e-4c1e-b3f4-6a2d1e9c5b77"
PREFIX = "profiles/"


@dataclass
class Served:
    client: Client
    participant: privacy_grpc.DataSubjectParticipantServiceStub
    app: App
    db: Path
    compliance: list[tuple[str, str]]

    def resolve_subject(self, ids=(), profiles=(), metadata=None) -> privacy_pb.Subject:
        request = pb.ResolveSubjectRequest(
            identifiers=[id_pb.Identifier(type=t, value=v) for t, v in ids], profiles=profiles
        )
        return self.client.stub.ResolveSubject(
            request, metadata=metadata or self.compliance, timeout=10
        ).subject

    def call(self, method: str, subject: privacy_pb.Subject, metadata=None, **fields):
        request_type = getattr(privacy_pb, f"{method}Request")
        request = request_type(request=REQUEST, subject=subject, **fields)
        rpc = getattr(self.participant, method)
        return rpc(request, metadata=metadata or self.client.service, timeout=10)

    def tell(self) -> Story:
        def lookup(id_type: str, value: str) -> str:
            return self.client.lookup(id_type, value).removeprefix(PREFIX)

        def split(profile_id: str, ids, request_id: str) -> str:
            request = pb.SplitProfileRequest(
                profile=PREFIX + profile_id,
                identifiers=[id_pb.Identifier(type=t, value=v) for t, v in ids],
                request_id=request_id,
            )
            answer = self.client.stub.SplitProfile(request, metadata=self.client.admin, timeout=10)
            return answer.new_profile.removeprefix(PREFIX)

        return tell(self.client.send, lookup, split)

    def raw_bytes(self) -> bytes:
        return b"".join(p.read_bytes() for p in sorted(self.db.parent.glob(self.db.name + "*")))


@pytest.fixture
def served(dev_dir, tmp_path, keys, mint, consent_audit) -> Iterator[Served]:
    db = tmp_path / "id.db"
    settings = Settings.from_env(
        {
            "CDP_DATA_DIR": str(dev_dir),
            "DATABASE_URL": f"sqlite:///{db}",
            "CDP_PROFILE_ADDR": "127.0.0.1:9",
            "CDP_CONSENT_ADDR": consent_audit.address,  # operator reads are audited there
        }
    )
    app = bootstrap(settings, key_source=keys)
    server, port, _health = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        client = Client(channel, mint, BlindIndexer(settings.common.index_key()), Vault(keys))
        yield Served(
            client,
            privacy_grpc.DataSubjectParticipantServiceStub(channel),
            app,
            db,
            [("authorization", f"Bearer {mint('compliance_officer')}")],
        )
    finally:
        channel.close()
        server.stop(grace=None).wait(timeout=10)
        app.stop()


def test_resolve_subject_names_the_whole_person_for_compliance(served):
    story = served.tell()
    indexes, subjects = keys_of(served.client.indexer, [*MAI, MAI_UNSEEN])

    found = served.resolve_subject([RESPELLED[0], MAI_UNSEEN])
    by_name = served.resolve_subject(profiles=[PREFIX + story.late], metadata=served.client.service)

    assert set(found.profiles) == {PREFIX + p for p in story.mai}
    assert set(found.blind_indexes) == indexes and set(found.subject_ids) == subjects
    assert list(found.subject_ids) == sorted(found.subject_ids)
    assert set(by_name.profiles) == set(found.profiles)
    assert served.resolve_subject([("anonymous_id", "null")]) == privacy_pb.Subject()


def test_resolve_subject_limits_and_roles(served, mint):
    ids = [id_pb.Identifier(type="user_id", value=f"u{n}") for n in range(51)]
    names = [f"profiles/p{n:024x}" for n in range(51)]
    reader = [("authorization", f"Bearer {mint('profile_reader')}")]
    stub, compliance = served.client.stub, served.compliance

    def call(request, metadata=compliance):
        return lambda: stub.ResolveSubject(request, metadata=metadata, timeout=10)

    assert failure(call(pb.ResolveSubjectRequest(identifiers=ids))) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "TOO_MANY_ITEMS",
        ["identifiers"],
    )
    assert failure(call(pb.ResolveSubjectRequest(profiles=names))) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "TOO_MANY_ITEMS",
        ["profiles"],
    )
    assert failure(call(pb.ResolveSubjectRequest(profiles=["people/1"]))) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PROFILE_NAME",
        ["profiles[0]"],
    )
    bad_email = pb.ResolveSubjectRequest(identifiers=[id_pb.Identifier(type="email", value="x")])
    assert failure(call(bad_email)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_EMAIL",
        ["identifiers[0].value"],
    )
    assert failure(call(pb.ResolveSubjectRequest())) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        ["identifiers"],
    )
    assert failure(call(pb.ResolveSubjectRequest(profiles=names[:1]), reader))[:2] == (
        grpc.StatusCode.PERMISSION_DENIED,
        "ROLE_NOT_ALLOWED",
    )


def test_after_the_fence_events_and_identity_sets_of_the_person_are_refused(served):
    served.tell()
    subject = served.resolve_subject([RESPELLED[0], MAI_UNSEEN])

    fenced = served.call("FenceSubject", subject)
    again = served.call("FenceSubject", subject)
    sent = served.client.send(
        *[(f"r{n}", [ids]) for n, ids in enumerate(RESPELLED)], ("y3", [YEN[0]])
    )
    sets = pb.ResolveIdentitiesRequest(sets=[identifier_set([("phone", "+84 912 345 678")])])
    refused = served.client.stub.ResolveIdentities(sets, metadata=served.client.service, timeout=10)

    assert fenced.suppressed_count == len(subject.blind_indexes) + len(subject.subject_ids)
    assert again.suppressed_count == 0
    assert sent.resolved_count == 1  # Yen's event only
    assert [(r.type, r.reason) for r in refused.resolutions[0].refused] == [
        ("phone", "SUBJECT_ERASED")
    ]
    assert refused.resolutions[0].profile == ""


def test_erasure_is_complete_in_every_table_and_in_the_sqlite_files(served):
    story = served.tell()
    subject = served.resolve_subject([RESPELLED[0], MAI_UNSEEN])
    with served.app.engine.connect() as conn:
        sealed = list(
            conn.execute(
                select(identifiers.c.value_ct).where(
                    identifiers.c.blind_index.in_(list(subject.blind_indexes))
                )
            ).scalars()
        )
    ids = [p.removeprefix(PREFIX).encode() for p in subject.profiles]
    served.app.new_uow().compact()
    assert all(blob in served.raw_bytes() for blob in sealed) and len(sealed) == 5
    assert all(name in served.raw_bytes() for name in ids)

    served.call("FenceSubject", subject)
    erased = served.call("EraseSubject", subject)
    repeat = served.call("EraseSubject", subject)

    assert erased.counts["identifiers"] == 5 and erased.counts["profiles"] == 4
    assert set(repeat.counts.values()) == {0}
    assert (
        references(
            served.app.engine,
            set(subject.blind_indexes),
            set(subject.subject_ids),
            {p.removeprefix(PREFIX) for p in subject.profiles},
        )
        == []
    )
    raw = served.raw_bytes()
    for blob in sealed:
        assert blob not in raw and blob[12:40] not in raw
    assert all(name not in raw for name in ids)
    needles = [*subject.blind_indexes, *(bi.hex().encode() for bi in subject.blind_indexes)]
    needles += [s.encode() for s in subject.subject_ids]
    assert [n for n in needles if n in raw] == []
    for _type, value in [*MAI, MAI_UNSEEN]:
        assert not any(form in raw for form in encodings(value).values())
    assert served.client.lookup(*YEN[0]) == PREFIX + story.yen


def test_after_erasure_the_person_sent_again_links_to_nothing(served):
    served.tell()
    subject = served.resolve_subject([RESPELLED[0], MAI_UNSEEN])
    served.call("FenceSubject", subject)
    served.call("EraseSubject", subject)

    sent = served.client.send(
        *[(f"again{n}", [ids, ("anonymous_id", f"new-{n}")]) for n, ids in enumerate(RESPELLED)]
    )

    assert sent.resolved_count == 0
    for id_type, value in [*MAI, MAI_UNSEEN, ("anonymous_id", "new-0")]:
        assert failure(lambda t=id_type, v=value: served.client.lookup(t, v))[:2] == (
            grpc.StatusCode.NOT_FOUND,
            "IDENTIFIER_NOT_FOUND",
        )
    assert served.resolve_subject([MAI[1]]).profiles == []


def test_export_is_decrypted_before_erasure_and_empty_after(served):
    story = served.tell()
    subject = served.resolve_subject([MAI[2]])

    before = json.loads(served.call("ExportSubject", subject).document_json)
    served.call("FenceSubject", subject)
    served.call("EraseSubject", subject)
    after = json.loads(served.call("ExportSubject", subject).document_json.decode("utf-8"))

    assert sorted((i["type"], i["value"]) for i in before["identities"]) == sorted(MAI)
    assert {p["profile"] for p in before["profiles"]} == {PREFIX + p for p in story.mai}
    assert before["merge_history"] and before["restrictions"] == []
    assert after == {
        "service": "identity",
        "profiles": [],
        "identities": [],
        "merge_history": [],
        "restrictions": [],
    }


def test_restriction_blocks_identity_reads_until_lifted(served, mint):
    story = served.tell()
    subject = served.resolve_subject([MAI[1]])
    stub, reader = served.client.stub, served.client.reader
    reads = [
        lambda: served.client.lookup(*MAI[2]),
        lambda: stub.ListProfileIdentities(
            pb.ListProfileIdentitiesRequest(profile=PREFIX + story.by_user), metadata=reader
        ),
        lambda: stub.ExplainProfile(
            pb.ExplainProfileRequest(profile=PREFIX + story.first), metadata=reader
        ),
    ]

    restricted = served.call("RestrictSubject", subject, restricted=True)
    refused = [failure(read) for read in reads]
    still = served.resolve_subject([MAI[1]])
    exported = json.loads(served.call("ExportSubject", subject).document_json)
    lifted = served.call("RestrictSubject", subject, restricted=False)
    relifted = served.call("RestrictSubject", subject, restricted=False)

    expected = len(subject.subject_ids) + len(subject.blind_indexes) + len(subject.profiles)
    assert restricted.affected_count == expected
    assert refused == [(grpc.StatusCode.FAILED_PRECONDITION, "SUBJECT_RESTRICTED", [])] * 3
    assert still == subject
    assert len(exported["identities"]) == 5
    assert (lifted.affected_count, relifted.affected_count) == (expected, 0)
    assert served.client.lookup(*MAI[2]) == PREFIX + story.first
    assert len(reads[1]().identities) == 5


def test_participant_calls_need_the_service_role(served, mint):
    subject = privacy_pb.Subject(profiles=["profiles/p" + "1" * 24])
    for role in ("compliance_officer", "profile_reader"):
        metadata = [("authorization", f"Bearer {mint(role)}")]
        for method in ("FenceSubject", "EraseSubject", "ExportSubject", "RestrictSubject"):
            assert failure(lambda m=method, md=metadata: served.call(m, subject, md))[:2] == (
                grpc.StatusCode.PERMISSION_DENIED,
                "ROLE_NOT_ALLOWED",
            )


@pytest.mark.parametrize(
    "subject, reason, field",
    [
        (privacy_pb.Subject(subject_ids=["sub_x"]), "INVALID_SUBJECT_ID", "subject.subject_ids[0]"),
        (
            privacy_pb.Subject(blind_indexes=[b"\x01" * 31]),
            "INVALID_BLIND_INDEX",
            "subject.blind_indexes[0]",
        ),
        (
            privacy_pb.Subject(profiles=["profiles/x"]),
            "INVALID_PROFILE_NAME",
            "subject.profiles[0]",
        ),
        (
            privacy_pb.Subject(subject_ids=["sub_" + "a" * 24] * 1001),
            "TOO_MANY_ITEMS",
            "subject.subject_ids",
        ),
        (privacy_pb.Subject(), "FIELD_REQUIRED", "subject"),
    ],
)
def test_a_malformed_subject_is_an_invalid_argument_naming_the_field(
    served, subject, reason, field
):
    for method in ("FenceSubject", "EraseSubject", "ExportSubject", "RestrictSubject"):
        assert failure(lambda m=method: served.call(m, subject)) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            reason,
            [field],
        )


def test_the_participant_service_is_healthy_and_erasing_nobody_counts_zeros(served):
    health = health_pb2_grpc.HealthStub(served.client.channel)
    answer = health.Check(
        health_pb2.HealthCheckRequest(service="cdp.api.privacy.v1.DataSubjectParticipantService")
    )
    nobody = privacy_pb.Subject(profiles=["profiles/p" + "2" * 24])

    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    assert set(served.call("EraseSubject", nobody).counts.values()) == {0}
    assert served.call("FenceSubject", nobody).suppressed_count == 0
