"""Helpers for the segmentation end-to-end tests: segments, open watch streams, seeded people."""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from cdp.api.consent.v1 import consent_service_pb2 as consent_pb
from cdp.api.segmentation.v1 import computed_trait_pb2, segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.api.segmentation.v1 import segmentation_service_pb2_grpc as pb_grpc
from tests.support.client import SuiteClient, event, wait_for
from tests.support.privacy_client import record_consent

ENTERED = segment_pb2.MEMBERSHIP_CHANGE_KIND_ENTERED
EXITED = segment_pb2.MEMBERSHIP_CHANGE_KIND_EXITED
WATCH_SECONDS = 600.0  # a stream outlives any one test; closing the watch cancels it


class Segments:
    """SegmentationService as a segment admin uses it."""

    def __init__(self, client: SuiteClient) -> None:
        self._client = client
        self.stub = pb_grpc.SegmentationServiceStub(client.channel("segmentation"))

    @property
    def admin(self) -> list[tuple[str, str]]:
        return self._client.metadata("segment_admin")

    def create(self, condition: str, purpose: str, title: str = "e2e") -> segment_pb2.Segment:
        """Creates a segment and waits (bounded) until its first computation is READY."""
        segment = segment_pb2.Segment(display_name=title, condition=condition, purpose=purpose)
        created = self.stub.CreateSegment(
            pb.CreateSegmentRequest(segment=segment, request_id=str(uuid.uuid4())),
            metadata=self.admin,
            timeout=10,
        ).segment
        return wait_for(lambda: self._ready(created.name), timeout=60, interval=0.1)

    def get(self, name: str) -> segment_pb2.Segment:
        request = pb.GetSegmentRequest(name=name)
        return self.stub.GetSegment(request, metadata=self.admin, timeout=10).segment

    def members(self, name: str, page_size: int = 7) -> set[str]:
        """Every listed member, page by page (a small page size exercises the paging)."""
        found: list[str] = []
        token = ""
        for _ in range(1000):
            response = self.stub.ListSegmentMembers(
                pb.ListSegmentMembersRequest(parent=name, page_size=page_size, page_token=token),
                metadata=self.admin,
                timeout=10,
            )
            found.extend(response.profiles)
            token = response.next_page_token
            if not token:
                assert len(found) == len(set(found)), "a member was listed twice"
                return set(found)
        raise AssertionError("member listing did not end within 1000 pages")

    def preview_sample(self, condition: str, purpose: str) -> set[str]:
        request = pb.PreviewSegmentRequest(condition=condition, purpose=purpose, sample_size=100)
        response = self.stub.PreviewSegment(request, metadata=self.admin, timeout=10)
        return set(response.sample_profiles)

    def create_trait(self, key: str, expression: str) -> computed_trait_pb2.ComputedTrait:
        request = pb.CreateComputedTraitRequest(
            computed_trait=computed_trait_pb2.ComputedTrait(
                display_name=key, expression=expression
            ),
            computed_trait_id=key,
        )
        return self.stub.CreateComputedTrait(
            request, metadata=self.admin, timeout=10
        ).computed_trait

    def _ready(self, name: str) -> segment_pb2.Segment | None:
        segment = self.get(name)
        assert segment.compute_state != segment_pb2.COMPUTE_STATE_FAILED, segment.compute_error
        return segment if segment.compute_state == segment_pb2.COMPUTE_STATE_READY else None


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() when the client received the change
    change: segment_pb2.MembershipChange


class Watch:
    """One WatchSegmentMembership stream from the segment's current version on, read by a
    background thread; every change is kept with the moment it arrived."""

    def __init__(self, client: SuiteClient, segment: segment_pb2.Segment) -> None:
        stub = pb_grpc.SegmentationServiceStub(client.channel("segmentation"))
        current = Segments(client).get(segment.name)  # only what happens from now on
        request = pb.WatchSegmentMembershipRequest(
            segment=segment.name, after_version=current.membership_version
        )
        self._call = stub.WatchSegmentMembership(
            request, metadata=client.metadata("segment_admin"), timeout=WATCH_SECONDS
        )
        self._arrivals: list[Arrival] = []
        self._condition = threading.Condition()
        self._ended: grpc.RpcError | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *_exc) -> None:
        self._call.cancel()
        self._thread.join(timeout=10)

    def arrivals(self) -> list[Arrival]:
        with self._condition:
            return list(self._arrivals)

    def changes_for(self, profile: str) -> list[tuple[int, str]]:
        """(kind, reason) of every change naming the profile, in version order."""
        return [
            (a.change.kind, a.change.reason) for a in self.arrivals() if a.change.profile == profile
        ]

    def wait(
        self, predicate: Callable[[segment_pb2.MembershipChange], bool], timeout: float = 30.0
    ) -> Arrival:
        """The first arrival matching the predicate, waiting (bounded) for it."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                found = next((a for a in self._arrivals if predicate(a.change)), None)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if self._ended is not None or remaining <= 0:
                    raise AssertionError(
                        f"no matching change within {timeout}s (stream ended: {self._ended!r}); "
                        f"seen {[(a.change.profile, a.change.kind, a.change.reason) for a in self._arrivals]}"
                    )
                self._condition.wait(remaining)

    def wait_change(self, profile: str, kind: int, reason: str, timeout: float = 30.0) -> Arrival:
        return self.wait(
            lambda c: (c.profile, c.kind, c.reason) == (profile, kind, reason), timeout=timeout
        )

    def _read(self) -> None:
        try:
            for response in self._call:
                with self._condition:
                    self._arrivals.append(Arrival(time.monotonic(), response.change))
                    self._condition.notify_all()
        except grpc.RpcError as err:
            with self._condition:
                self._ended = err
                self._condition.notify_all()


@dataclass
class Person:
    """A person known by a user id (the identifier their events are sealed under) and an email."""

    tag: str
    user_id: str
    email: str
    traits: dict = field(default_factory=dict)
    profile: str = ""

    @classmethod
    def new(cls, kind: str, **traits) -> Person:
        tag = uuid.uuid4().hex[:10]
        return cls(tag, f"seg-{kind}-{tag}", f"seg-{kind}+{tag}@example.test", dict(traits))

    def identify(self) -> object:
        return event("identify", user_id=self.user_id, traits={"email": self.email, **self.traits})

    def track(self, name: str, timestamp: float | None = None, **properties) -> object:
        return event(
            "track", user_id=self.user_id, name=name, properties=properties, timestamp=timestamp
        )


def seed(client: SuiteClient, people: list[Person], *events_each: str) -> None:
    """Identify each person and send their events in one batch; waits for their profiles."""
    batch = []
    for person in people:
        batch += [person.identify(), *(person.track(name) for name in events_each)]
    assert client.ingest(batch).accepted_count == len(batch)
    expected = 1 + len(events_each)
    for person in people:
        found = wait_for(
            lambda p=person: (f := client.profile(user_id=p.user_id)).event_count >= expected and f,
            timeout=60,
        )
        person.profile = found.name


def send(client: SuiteClient, events: list) -> None:
    assert client.ingest(events).accepted_count == len(events)


def grant(client: SuiteClient, person: Person, purpose: str) -> None:
    """Recorded under the email, not the user id the person's events are sealed under: consent
    must still reach every profile identity links to that email."""
    record_consent(client, ("email", person.email), purpose)


def withdraw(client: SuiteClient, person: Person, purpose: str) -> None:
    status = consent_pb.CONSENT_STATUS_WITHDRAWN
    record_consent(client, ("email", person.email), purpose, status=status)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
