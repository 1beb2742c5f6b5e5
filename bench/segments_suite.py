"""Segmentation end to end on the running suite: from IngestEvents OK to the change on the watch.

People who consented (through the consent service) and are known to segmentation each send one
event that makes them enter a segment; the event crosses ingestion, identity, profile, profile's
outbox relay and segmentation's real-time re-check before the watch sees it.
"""

from __future__ import annotations

import time
import uuid

from bench.privacy import grant_request
from bench.segments_live import Watch, percentiles
from cdp.api.consent.v1 import consent_service_pb2_grpc as consent_grpc
from cdp.api.segmentation.v1 import segment_pb2
from cdp.api.segmentation.v1 import segmentation_service_pb2 as pb
from cdp.api.segmentation.v1 import segmentation_service_pb2_grpc as pb_grpc
from tests.support.client import SuiteClient, event, wait_for

PEOPLE = 100
PURPOSE = "email_marketing"
SIGNAL = "Bench Signal"


def suite_latency(client: SuiteClient, people: int = PEOPLE) -> dict[str, float]:
    """p50/p99 ms from IngestEvents returning OK to the ENTERED change on the watch."""
    run = uuid.uuid4().hex[:8]
    users = [f"seg-{run}-{i}" for i in range(people)]
    stub = pb_grpc.SegmentationServiceStub(client.channel("segmentation"))
    admin = client.metadata("segment_admin")
    # The segment first: segmentation asks consent only for purposes that segments use.
    created = _ready_segment(stub, admin, run)
    _known_and_consenting(client, stub, run, users)
    names = {user: client.profile(user_id=user).name for user in users}
    request = pb.GetSegmentRequest(name=created.name)
    segment = stub.GetSegment(request, metadata=admin, timeout=30).segment
    watch = Watch(stub, segment, admin)
    samples, missed = [], 0
    try:
        for user in users:
            client.ingest([event("track", user_id=user, name=SIGNAL)], source="bench-segments")
            ok = time.perf_counter()
            arrived = watch.arrival(names[user])
            if arrived is None:
                missed += 1
            else:
                samples.append((arrived - ok) * 1000)
    finally:
        watch.close()
        stub.DeleteSegment(pb.DeleteSegmentRequest(name=segment.name), metadata=admin, timeout=30)
    return {**percentiles("seg_suite_ingest_to_watch", samples), "seg_suite_missed": missed}


def _known_and_consenting(
    client: SuiteClient, stub: pb_grpc.SegmentationServiceStub, run: str, users: list[str]
) -> None:
    """Consent granted for each person's email, then the people identified with it and a cohort
    trait; returns once segmentation counts them all as eligible members of the cohort."""
    consent = consent_grpc.ConsentServiceStub(client.channel("consent"))
    manager = client.metadata("consent_manager")
    for user in users:
        consent.RecordConsent(grant_request(f"{user}@example.test"), metadata=manager, timeout=30)
    client.ingest(
        [
            event("identify", user_id=u, traits={"email": f"{u}@example.test", "cohort": run})
            for u in users
        ],
        source="bench-segments",
    )
    cohort = pb.PreviewSegmentRequest(condition=f'traits.cohort == "{run}"', purpose=PURPOSE)
    admin = client.metadata("segment_admin")
    wait_for(
        lambda: stub.PreviewSegment(cohort, metadata=admin, timeout=30).member_count == len(users),
        timeout=300,
        interval=0.5,
    )


def _ready_segment(stub: pb_grpc.SegmentationServiceStub, admin, run: str) -> segment_pb2.Segment:
    condition = f'traits.cohort == "{run}" and event("{SIGNAL}").exists(within = 1d)'
    created = stub.CreateSegment(
        pb.CreateSegmentRequest(
            segment=segment_pb2.Segment(display_name="bench", condition=condition, purpose=PURPOSE),
            request_id=str(uuid.uuid4()),
        ),
        metadata=admin,
        timeout=30,
    ).segment
    request = pb.GetSegmentRequest(name=created.name)
    return wait_for(
        lambda: (
            (s := stub.GetSegment(request, metadata=admin, timeout=30).segment).compute_state
            == segment_pb2.COMPUTE_STATE_READY
            and s
        ),
        timeout=600,
        interval=0.2,
    )
