"""Privacy figures for `make bench`: erasure wall time, CheckConsent latency, the cost of suppression."""

from __future__ import annotations

import time
import uuid

from bench.load import BATCH, latencies, make_batches, throughput, users
from cdp.api.consent.v1 import consent_service_pb2 as consent_pb
from cdp.api.consent.v1 import consent_service_pb2_grpc as consent_grpc
from cdp.api.consent.v1 import privacy_service_pb2 as privacy_pb
from cdp.api.identity.v1 import identifier_pb2
from cdp.pii import BlindIndexer, normalize
from tests.support.client import SuiteClient, event, wait_for
from tests.support.privacy_client import create, wait_finished

ERASED_EVENTS = 10_000
NOTICE = "We would like to email you offers. You can withdraw at any time."


def erasure(client: SuiteClient) -> dict[str, float]:
    """A subject with 10,000 events: time to keys destroyed + caches purged (the call), and to COMPLETED."""
    user = f"erase-{uuid.uuid4().hex[:8]}"
    email = f"{user}@example.test"
    events = [event("identify", user_id=user, traits={"email": email, "name": "Bench Person"})]
    events += [
        event("track", user_id=user, name="Viewed", properties={"i": i})
        for i in range(ERASED_EVENTS - 1)
    ]
    for start in range(0, len(events), BATCH):
        client.ingest(events[start : start + BATCH])
    wait_for(
        lambda: client.profile(email=email).event_count == ERASED_EVENTS, timeout=600, interval=0.2
    )
    started = time.perf_counter()
    request = create(client, privacy_pb.REQUEST_TYPE_ERASURE, [("email", email)])
    fenced = time.perf_counter() - started
    done = wait_finished(client, request.name, timeout=600)
    assert done.state == privacy_pb.REQUEST_STATE_COMPLETED
    return {
        "erasure_keys_destroyed_caches_purged_s": fenced,
        "erasure_10k_events_completed_s": time.perf_counter() - started,
    }


def check_consent(client: SuiteClient, subjects: int = 1000) -> dict[str, float]:
    """CheckConsent p50/p99 for batches of 1,000 (subject, purpose) questions over granted subjects."""
    stub = consent_grpc.ConsentServiceStub(client.channel("consent"))
    indexer = BlindIndexer((client.suite.data_dir / "keys" / "index.key").read_bytes())
    emails = [f"consent-{uuid.uuid4().hex[:8]}@example.test" for _ in range(subjects)]
    for email in emails:
        stub.RecordConsent(
            grant_request(email), metadata=client.metadata("consent_manager"), timeout=10
        )
    ids = [indexer.subject_id(indexer.index("email", normalize("email", e))) for e in emails]
    queries = [consent_pb.ConsentQuery(subject=s, purpose="email_marketing") for s in ids]
    request = consent_pb.CheckConsentRequest(queries=queries)
    metadata = client.metadata("service")
    figures = latencies(lambda: stub.CheckConsent(request, metadata=metadata, timeout=10), 200)
    return {
        "check_consent_1000_p50_ms": figures["p50_ms"],
        "check_consent_1000_p99_ms": figures["p99_ms"],
    }


def suppression_cost(client: SuiteClient, erased: int = 50) -> dict[str, float]:
    """Ingest throughput with an empty suppression list, then with `erased` people erased."""
    channel, metadata = client.channel("ingestion"), client.metadata("ingest_writer")
    before = throughput(channel, metadata, make_batches(40, users(100)))
    for index in range(erased):
        user = f"gone-{uuid.uuid4().hex[:8]}-{index}"
        client.ingest([event("identify", user_id=user, traits={"plan": "x"})])
        wait_for(lambda u=user: client.profile(user_id=u), timeout=60)
        wait_finished(
            client, create(client, privacy_pb.REQUEST_TYPE_ERASURE, [("user_id", user)]).name
        )
    after = throughput(channel, metadata, make_batches(40, users(100)))
    return {
        "ingest_events_per_s_no_suppression": before,
        "ingest_events_per_s_with_suppression": after,
        "suppression_cost_ratio": after / before,
    }


def grant_request(email: str) -> consent_pb.RecordConsentRequest:
    """A consent to email_marketing with its evidence, as a signup form records it."""
    record = consent_pb.ConsentRecord(
        purpose="email_marketing",
        status=consent_pb.CONSENT_STATUS_GRANTED,
        notice_id="offers-v1",
        language="en",
        channel="web",
        method=consent_pb.CONSENT_METHOD_CHECKBOX,
        jurisdiction="gdpr",
        evidence_ref="form-submission-1",
    )
    return consent_pb.RecordConsentRequest(
        subject=identifier_pb2.Identifier(type="email", value=email),
        record=record,
        notice_text=NOTICE,
        request_id=str(uuid.uuid4()),
    )
