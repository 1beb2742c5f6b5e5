"""The real segmentation server on 127.0.0.1:0 with a consent stub the test controls, and its client.

Consent is a small in-test ConsentChecker (the real consent service answers in the e2e tests): the
tests decide who consented to what, and a failing check says so through the same interface.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import Table, select

from cdp.api.privacy.v1 import participant_service_pb2 as dsr
from cdp.api.privacy.v1 import participant_service_pb2_grpc as dsr_grpc
from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as feed_grpc
from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.api.segmentation.v1 import segmentation_service_pb2_grpc as pb_grpc
from cdp.grpcx.status import error_info
from cdp.segmentation.bootstrap import App, bootstrap
from cdp.segmentation.server import build_server
from cdp.segmentation.service_layer import batch
from cdp.segmentation.settings import Settings

PURPOSE = "email_marketing"
TIMEOUT = 30


class StubConsent:
    """Consent answers set by the test: everyone consents to every purpose unless denied."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._denied: set[tuple[str, str]] = set()
        self.asked: list[tuple[str, str]] = []

    def deny(self, profile: str, purpose: str = PURPOSE) -> None:
        with self._lock:
            self._denied.add((profile, purpose))

    def grant(self, profile: str, purpose: str = PURPOSE) -> None:
        with self._lock:
            self._denied.discard((profile, purpose))

    def check(
        self, profile_ids: Sequence[str], purposes: Sequence[str]
    ) -> dict[tuple[str, str], bool]:
        with self._lock:
            questions = [(p, q) for p in profile_ids for q in purposes]
            self.asked += questions
            return {question: question not in self._denied for question in questions}


@dataclass
class Running:
    app: App
    channel: grpc.Channel
    consent: StubConsent
    mint: Callable[..., str]
    _sequence: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def stub(self) -> pb_grpc.SegmentationServiceStub:
        return pb_grpc.SegmentationServiceStub(self.channel)

    @property
    def participant(self) -> dsr_grpc.DataSubjectParticipantServiceStub:
        return dsr_grpc.DataSubjectParticipantServiceStub(self.channel)

    def md(self, role: str = "segment_admin") -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.mint(role)}")]

    def call(self, method: str, request: Any, role: str = "segment_admin") -> Any:
        return getattr(self.stub, method)(request, metadata=self.md(role), timeout=TIMEOUT)

    def create(
        self, segment_id: str, condition: str, purpose: str = PURPOSE, **fields: Any
    ) -> segment_pb2.Segment:
        segment = segment_pb2.Segment(condition=condition, purpose=purpose, **fields)
        request = pb.CreateSegmentRequest(segment=segment, segment_id=segment_id)
        return self.call("CreateSegment", request).segment

    def ready(self, segment_id: str, condition: str, purpose: str = PURPOSE) -> None:
        """Creates the segment and runs the batch computation that makes it READY."""
        self.create(segment_id, condition, purpose)
        self.compute()

    def get(self, segment_id: str) -> segment_pb2.Segment:
        return self.call("GetSegment", pb.GetSegmentRequest(name=f"segments/{segment_id}")).segment

    def compute(self) -> int:
        return batch.compute_pending(self.app.context)

    def feed(self, *updates: feed_pb.ProfileUpdate) -> int:
        """One ApplyProfileUpdates call, as profile's relay makes it (sequences increasing)."""
        request = feed_pb.ApplyProfileUpdatesRequest()
        for update in updates:
            numbered = request.updates.add()
            numbered.CopyFrom(update)
            numbered.sequence = next(self._sequence)
        stub = feed_grpc.SegmentationFeedServiceStub(self.channel)
        return stub.ApplyProfileUpdates(
            request, metadata=self.md("service"), timeout=TIMEOUT
        ).applied_count

    def members(self, segment_id: str, page_size: int = 1000) -> list[str]:
        """Every member's bare profile id, page by page."""
        found, token = [], ""
        while True:
            request = pb.ListSegmentMembersRequest(
                parent=f"segments/{segment_id}", page_size=page_size, page_token=token
            )
            response = self.call("ListSegmentMembers", request)
            found += [name.removeprefix("profiles/") for name in response.profiles]
            token = response.next_page_token
            if not token:
                return found

    def watch(self, segment_id: str, after: int = 0, timeout: float = TIMEOUT):
        request = pb.WatchSegmentMembershipRequest(
            segment=f"segments/{segment_id}", after_version=after
        )
        return self.stub.WatchSegmentMembership(request, metadata=self.md(), timeout=timeout)

    def changes(self, segment_id: str, after: int = 0) -> list[segment_pb2.MembershipChange]:
        """The changelog after `after` up to the segment's newest version, read from a watch."""
        newest = self.get(segment_id).membership_version
        if newest <= after:
            return []
        call, found = self.watch(segment_id, after), []
        try:
            for response in call:
                found.append(response.change)
                if response.change.version >= newest:
                    break
        finally:
            call.cancel()
        return found

    def dsr(self, method: str, subject: dsr.Subject, **fields: Any) -> Any:
        """A participant RPC (FenceSubject, EraseSubject, ...) as consent's DSR worker calls it."""
        request = getattr(dsr, f"{method}Request")(
            request="dataSubjectRequests/contract", subject=subject, **fields
        )
        call = getattr(self.participant, method)
        return call(request, metadata=self.md("service"), timeout=TIMEOUT)

    def rows(self, table: Table) -> list[Mapping[str, Any]]:
        with self.app.context.engine.connect() as conn:
            return list(conn.execute(select(table)).mappings())


@contextmanager
def serve(
    dev_dir: Path,
    database_url: str,
    mint: Callable[..., str],
    env: Mapping[str, str] | None = None,
    background: bool = False,
    profile_channel: grpc.Channel | None = None,
) -> Iterator[Running]:
    """Bootstraps the service on the database and serves it until the block ends."""
    settings = Settings.from_env(
        {"CDP_DATA_DIR": str(dev_dir), "DATABASE_URL": database_url, **(env or {})}
    )
    consent = StubConsent()
    app = bootstrap(
        settings, consent=consent, profile_channel=profile_channel, background=background
    )
    server, port, _health = build_server(
        app, "127.0.0.1:0", settings.common.verifier(), max_workers=16
    )
    server.start()
    app.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Running(app, channel, consent, mint)
    finally:
        channel.close()
        server.stop(None).wait()
        app.close()


def failure(call: Callable[[], Any]) -> grpc.RpcError:
    """The error a call fails with (the test fails when it succeeds)."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def reason(err: grpc.RpcError) -> str:
    info = error_info(err)
    return info.reason if info else ""


def field_violations(err: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(err)
    fields = []
    for detail in status.details if status else ():
        request = error_details_pb2.BadRequest()
        if detail.Unpack(request):
            fields += [v.field for v in request.field_violations]
    return fields
