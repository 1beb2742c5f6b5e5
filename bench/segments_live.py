"""The real segmentation server over the bench's read model: compute, real-time and preview latency.

The server is built as its __main__ builds it (bootstrap + build_server on 127.0.0.1:0) with a
consent checker that grants, and background=False: the bench runs the batch computation itself (to
time it) and no scheduler sweep runs during the latency figures. A sweep (every
CDP_SEGMENTATION_RECHECK_SECONDS) holds the membership lock while it re-evaluates every sliding
segment over everyone, so updates arriving meanwhile wait about as long as the compute figure.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from google.protobuf import struct_pb2

from bench.segments_data import PURPOSE, index_of, subject_id
from cdp.api.ingestion.v1 import event_pb2
from cdp.api.segmentation.v1 import feed_service_pb2 as feed_pb
from cdp.api.segmentation.v1 import feed_service_pb2_grpc as feed_grpc
from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.api.segmentation.v1 import segmentation_service_pb2_grpc as pb_grpc
from cdp.grpcx.runtime import ensure_dev_keys
from cdp.grpcx.tokens import TokenIssuer, load_private_key
from cdp.segmentation.bootstrap import App, bootstrap
from cdp.segmentation.server import build_server
from cdp.segmentation.service_layer import batch
from cdp.segmentation.settings import Settings

WARMUP = 20  # updates sent before measuring (connections, statement caches)
WAIT = 30.0  # seconds to wait for one change on the watch before counting it as missed


class GrantAll:
    """The consent service's stand-in: everyone asked about has consented."""

    def check(
        self, profile_ids: Sequence[str], purposes: Sequence[str]
    ) -> dict[tuple[str, str], bool]:
        return {(p, q): True for p in profile_ids for q in purposes}


@dataclass
class Live:
    app: App
    channel: grpc.Channel
    issuer: TokenIssuer

    @property
    def segments(self) -> pb_grpc.SegmentationServiceStub:
        return pb_grpc.SegmentationServiceStub(self.channel)

    @property
    def feed(self) -> feed_grpc.SegmentationFeedServiceStub:
        return feed_grpc.SegmentationFeedServiceStub(self.channel)

    def metadata(self, role: str) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.issuer.mint('bench:' + role, (role,))}")]


@contextlib.contextmanager
def serve(database_url: str, data_dir: Path) -> Iterator[Live]:
    ensure_dev_keys(data_dir)
    env = {"CDP_DATA_DIR": str(data_dir), "DATABASE_URL": database_url}
    settings = Settings.from_env(env)
    app = bootstrap(settings, consent=GrantAll(), background=False)
    server, port, _health = build_server(app, "127.0.0.1:0", settings.common.verifier())
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Live(app, channel, TokenIssuer(load_private_key(data_dir / "keys" / "token.pem")))
    finally:
        channel.close()
        server.stop(None).wait()
        app.close()


def compute(live: Live, condition: str) -> tuple[segment_pb2.Segment, float]:
    """Creates the segment and times its batch computation (evaluation, members, changelog)."""
    created = live.segments.CreateSegment(
        pb.CreateSegmentRequest(
            segment=segment_pb2.Segment(display_name="bench", condition=condition, purpose=PURPOSE),
            request_id=str(uuid.uuid4()),
        ),
        metadata=live.metadata("segment_admin"),
        timeout=60,
    ).segment
    segment_id = created.name.removeprefix("segments/")
    start = time.perf_counter()
    batch.compute_segment(live.app.context, segment_id)
    elapsed = time.perf_counter() - start
    ready = live.segments.GetSegment(
        pb.GetSegmentRequest(name=created.name), metadata=live.metadata("segment_admin"), timeout=60
    ).segment
    if ready.compute_state != segment_pb2.COMPUTE_STATE_READY:
        raise RuntimeError(f"{ready.name} is not ready: {ready.compute_error}")
    return ready, elapsed


class Watch:
    """A WatchSegmentMembership stream read by a thread, noting when each profile's change arrives."""

    def __init__(
        self,
        stub: pb_grpc.SegmentationServiceStub,
        segment: segment_pb2.Segment,
        metadata: list[tuple[str, str]],
    ) -> None:
        request = pb.WatchSegmentMembershipRequest(
            segment=segment.name, after_version=segment.membership_version
        )
        self._call = stub.WatchSegmentMembership(request, metadata=metadata)
        self._arrived: dict[str, float] = {}
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(grpc.RpcError):  # cancelled at close
            for message in self._call:
                with self._condition:
                    self._arrived[message.change.profile] = time.perf_counter()
                    self._condition.notify_all()

    def arrival(self, profile: str, timeout: float = WAIT) -> float | None:
        with self._condition:
            self._condition.wait_for(lambda: profile in self._arrived, timeout)
            return self._arrived.get(profile)

    def close(self) -> None:
        self._call.cancel()
        self._thread.join(timeout=10)


def realtime(live: Live, segment: segment_pb2.Segment, profiles: Sequence[str]) -> dict[str, float]:
    """One ApplyProfileUpdates per profile, each one order that makes it enter; p50/p99 in ms."""
    watch = Watch(live.segments, segment, live.metadata("segment_admin"))
    metadata = live.metadata("service")
    inside: list[float] = []
    end_to_end: list[float] = []
    missed = 0
    try:
        for sequence, profile in enumerate(profiles, start=1):
            request = feed_pb.ApplyProfileUpdatesRequest(updates=[_order(sequence, profile)])
            start = time.perf_counter()
            live.feed.ApplyProfileUpdates(request, metadata=metadata, timeout=30)
            done = time.perf_counter()
            arrived = watch.arrival(f"profiles/{profile}")
            if sequence <= WARMUP:
                continue
            inside.append((done - start) * 1000)
            if arrived is None:
                missed += 1
            else:
                end_to_end.append((arrived - start) * 1000)
    finally:
        watch.close()
    return {
        "realtime_updates": len(inside),
        **percentiles("realtime_apply", inside),
        **percentiles("realtime_to_watch", end_to_end),
        "realtime_missed_changes": missed,
    }


def _order(sequence: int, profile: str) -> feed_pb.ProfileUpdate:
    properties = struct_pb2.Struct()
    properties.update({"category": "books", "revenue": 42.5})
    recorded = feed_pb.ProfileEventRecorded(
        profile=f"profiles/{profile}",
        subject_id=subject_id(index_of(profile)),
        source="bench-live",
        message_id=str(uuid.uuid4()),
        type=event_pb2.EVENT_TYPE_TRACK,
        event="Order Completed",
        properties=properties,
    )
    recorded.event_time.FromMicroseconds(time.time_ns() // 1000)
    return feed_pb.ProfileUpdate(sequence=sequence, event=recorded)


def preview(live: Live, rules: dict[str, str], calls: int) -> dict[str, float]:
    """PreviewSegment p50/p99 per rule over gRPC (after one untimed call each)."""
    metadata = live.metadata("segment_admin")
    figures: dict[str, float] = {}
    for rule, condition in rules.items():
        request = pb.PreviewSegmentRequest(condition=condition, purpose=PURPOSE)
        samples = []
        for _ in range(calls + 1):
            start = time.perf_counter()
            live.segments.PreviewSegment(request, metadata=metadata, timeout=600)
            samples.append((time.perf_counter() - start) * 1000)
        figures |= percentiles(f"preview_{rule}", samples[1:])
    return figures


def percentiles(name: str, samples_ms: list[float]) -> dict[str, float]:
    """p50 and p99 (nearest rank) of samples in milliseconds; NaN when there are none."""
    if not samples_ms:
        return {f"{name}_p50_ms": math.nan, f"{name}_p99_ms": math.nan}
    ordered = sorted(samples_ms)
    rank = max(math.ceil(len(ordered) * 0.99) - 1, 0)
    return {f"{name}_p50_ms": statistics.median(ordered), f"{name}_p99_ms": ordered[rank]}
