"""The consent service and segmentation over real gRPC: recorded consent, restrictions and erasures reach
SegmentationFeedService.ApplyConsentUpdates through the outbox relay (at once, and again after an
outage), and segmentation takes its share of every data-subject request as a participant."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from sqlalchemy import Engine, func, select

from cdp.api.consent.v1 import consent_service_pb2 as consent_pb
from cdp.api.consent.v1 import consent_service_pb2_grpc as consent_grpc
from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as pb_grpc
from cdp.api.identity.v1 import identifier_pb2
from cdp.api.privacy.v1 import participant_service_pb2 as part_pb
from cdp.api.privacy.v1 import participant_service_pb2_grpc as part_grpc
from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as feed_grpc
from cdp.consent.adapters.consent_feed import append_changes, decode
from cdp.consent.adapters.consent_orm import consent_outbox
from cdp.consent.adapters.feed_relay import (
    MAX_SUBJECTS_PER_CALL,
    ConsentUpdateDelivery,
    FeedRelay,
    feed_relay,
)
from cdp.consent.bootstrap import App, bootstrap
from cdp.consent.domain.requests import Subject
from cdp.consent.server import build_server
from cdp.consent.service_layer.consent import record_consent
from cdp.consent.settings import Settings
from cdp.db import write_transaction
from tests.support.client import wait_for
from tests.unit.consent.builders import NOTICE, command, ledger, migrated_engine

EMAIL = "feed+canary@example.test"
PEERS = ("ingestion", "identity", "profile", "segmentation")


@dataclass
class FakeSegmentation(
    feed_grpc.SegmentationFeedServiceServicer, part_grpc.DataSubjectParticipantServiceServicer
):
    """A peer that records every call it answers: the feed and the participant RPCs."""

    updates: list[list[str]] = field(default_factory=list)
    calls: list[tuple[str, object]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ApplyConsentUpdates(self, request, context):
        with self._lock:
            self.updates.append(list(request.subject_ids))
        return feed_pb.ApplyConsentUpdatesResponse(rechecked_count=len(request.subject_ids))

    def FenceSubject(self, request, context):
        self._record("FenceSubject", request)
        return part_pb.FenceSubjectResponse(suppressed_count=len(request.subject.subject_ids))

    def EraseSubject(self, request, context):
        self._record("EraseSubject", request)
        return part_pb.EraseSubjectResponse(counts={"members": 1})

    def ExportSubject(self, request, context):
        self._record("ExportSubject", request)
        return part_pb.ExportSubjectResponse(document_json=b"{}")

    def RestrictSubject(self, request, context):
        self._record("RestrictSubject", request)
        return part_pb.RestrictSubjectResponse(affected_count=len(request.subject.subject_ids))

    def told(self) -> set[str]:
        with self._lock:
            return {s for update in self.updates for s in update}

    def methods(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self.calls]

    def _record(self, name: str, request) -> None:
        with self._lock:
            self.calls.append((name, request))


def serve(fake: FakeSegmentation, address: str = "127.0.0.1:0") -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    feed_grpc.add_SegmentationFeedServiceServicer_to_server(fake, server)
    part_grpc.add_DataSubjectParticipantServiceServicer_to_server(fake, server)
    port = server.add_insecure_port(address)
    server.start()
    return server, port


class NoResolver:
    """Identity is not under test: the request's own identifiers name the whole person."""

    def resolve(self, identifiers, profiles=()) -> Subject:
        return Subject([], [], list(profiles))


@dataclass
class Running:
    app: App
    peers: dict[str, FakeSegmentation]
    channel: grpc.Channel
    mint: object

    def call(self, stub_class, method: str, request, role: str):
        metadata = [("authorization", f"Bearer {self.mint(role)}")]
        return getattr(stub_class(self.channel), method)(request, metadata=metadata, timeout=30)

    def record(self, status: int = consent_pb.CONSENT_STATUS_GRANTED) -> consent_pb.ConsentRecord:
        request = consent_pb.RecordConsentRequest(
            subject=identifier_pb2.Identifier(type="email", value=EMAIL),
            record=_record(status),
            notice_text=NOTICE,
        )
        return self.call(
            consent_grpc.ConsentServiceStub, "RecordConsent", request, "consent_manager"
        ).record

    def run(self, kind: int) -> pb.DataSubjectRequest:
        created = self.call(
            pb_grpc.PrivacyServiceStub,
            "CreateDataSubjectRequest",
            pb.CreateDataSubjectRequestRequest(
                request_id=str(uuid.uuid4()),
                type=kind,
                jurisdiction="gdpr",
                identities=[identifier_pb2.Identifier(type="email", value=EMAIL)],
            ),
            "compliance_officer",
        ).request
        return wait_for(lambda: self._finished(created.name), timeout=60, interval=0.1)

    def outbox_names(self, subject_id: str) -> bool:
        with self.app.engine.connect() as conn:
            payloads = conn.execute(select(consent_outbox.c.payload)).scalars()
            return any(subject_id in decode(p) for p in payloads)

    def _finished(self, name: str) -> pb.DataSubjectRequest | None:
        request = self.call(
            pb_grpc.PrivacyServiceStub,
            "GetDataSubjectRequest",
            pb.GetDataSubjectRequestRequest(name=name),
            "compliance_officer",
        ).request
        return request if request.state == pb.REQUEST_STATE_COMPLETED else None


def _record(status: int) -> consent_pb.ConsentRecord:
    return consent_pb.ConsentRecord(
        purpose="email_marketing",
        status=status,
        notice_id="notice-email-v3",
        language="vi",
        channel="web",
        method=consent_pb.CONSENT_METHOD_CHECKBOX,
        evidence_ref="evidence-9f1c2a",
        jurisdiction="gdpr",
    )


@pytest.fixture
def running(dev_dir: Path, database_url: str, mint) -> Iterator[Running]:
    """The consent service as `python -m cdp.consent` wires it, its four peers faked on real ports."""
    peers = {name: FakeSegmentation() for name in PEERS}
    servers = {name: serve(fake) for name, fake in peers.items()}
    env = {"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": database_url}
    env |= {f"CDP_{name.upper()}_ADDR": f"127.0.0.1:{port}" for name, (_, port) in servers.items()}
    settings = Settings.from_env(env)
    app = bootstrap(settings, resolver=NoResolver())
    # Polls once a minute when idle: only the after-commit wake-up can deliver within the test.
    app.feed = FeedRelay(app.engine, ConsentUpdateDelivery(app.feed_channel), idle_wait=6.0)
    server, port, _ = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    app.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield Running(app, peers, channel, mint)
    server.stop(None)
    app.stop()
    for peer, _ in servers.values():
        peer.stop(None)


def test_recorded_consent_reaches_segmentation_without_waiting_for_a_poll(
    running: Running,
) -> None:
    segmentation = running.peers["segmentation"]
    granted = running.record()
    wait_for(lambda: granted.subject_id in segmentation.told(), timeout=30)
    told_before = len(segmentation.updates)

    # The relay is idle now, polling once a minute: only the after-commit wake-up delivers in time.
    running.record(consent_pb.CONSENT_STATUS_WITHDRAWN)

    wait_for(lambda: len(segmentation.updates) > told_before, timeout=30)
    assert segmentation.updates[-1] == [granted.subject_id]
    assert wait_for(lambda: not running.outbox_names(granted.subject_id))  # pruned once delivered


def test_a_restriction_runs_on_segmentation_and_its_feed_rechecks_the_subject(
    running: Running,
) -> None:
    subject_id = running.record().subject_id
    segmentation = running.peers["segmentation"]
    wait_for(lambda: subject_id in segmentation.told(), timeout=30)
    told_before = len(segmentation.updates)

    done = running.run(pb.REQUEST_TYPE_RESTRICTION)

    assert {t.service for t in done.tasks} == {*PEERS, "consent"}
    restricts = [r for name, r in segmentation.calls if name == "RestrictSubject"]
    assert [(list(r.subject.subject_ids), r.restricted) for r in restricts] == [
        ([subject_id], True)
    ]
    wait_for(lambda: [subject_id] in segmentation.updates[told_before:], timeout=30)


def test_an_erasure_fences_and_erases_segmentation_and_no_entry_names_the_subject(
    running: Running,
) -> None:
    subject_id = running.record().subject_id
    segmentation = running.peers["segmentation"]

    done = running.run(pb.REQUEST_TYPE_ERASURE)

    assert "segmentation" in {t.service for t in done.tasks}
    assert {"FenceSubject", "EraseSubject", "ExportSubject"} <= set(segmentation.methods())
    assert not running.outbox_names(subject_id)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()


def test_delivery_resumes_after_segmentation_was_down(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeSegmentation()
    server, port = serve(fake)
    server.stop(None).wait()  # down: nothing listens on the port any more
    caplog.set_level(logging.WARNING, logger="cdp.outbox")
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        relay = feed_relay(engine, channel)
        relay.start()
        try:
            subject_id = record_consent(ledger(engine, notify=relay.notify), command()).subject_id
            wait_for(lambda: "delivery to segmentation failed" in caplog.text, timeout=30)
            assert _entries(engine) == 1 and fake.updates == []

            server, _ = serve(fake, f"127.0.0.1:{port}")  # back on the same address
            wait_for(lambda: fake.told() == {subject_id}, timeout=60)
            wait_for(lambda: _entries(engine) == 0)
        finally:
            relay.stop()
            server.stop(None)


def test_a_backlog_is_delivered_in_calls_within_the_subject_limit(engine: Engine) -> None:
    fake = FakeSegmentation()
    server, port = serve(fake)
    named = [[f"sub_{n:028d}" for n in range(start, start + 600)] for start in (0, 600, 1200)]
    with write_transaction(engine) as conn:
        for ids in named:
            append_changes(conn, ids)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        relay = feed_relay(engine, channel)
        while relay.pump_once():
            pass
    server.stop(None)

    assert all(len(update) <= MAX_SUBJECTS_PER_CALL for update in fake.updates)
    assert fake.told() == {s for ids in named for s in ids}
    assert _entries(engine) == 0


def _entries(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(consent_outbox)).scalar()
