"""`make bench`: pipeline throughput and read latency, each beside a baseline from the same run.

Figures: raw gRPC batch-echo events/s (baseline), ingest durable-ack events/s, end-to-end events/s
(sent -> visible in profiles), GetProfile p50/p99 at N profiles, and their ratios; erasure wall time
for a subject with 10,000 events, CheckConsent p50/p99, and ingest throughput with and without
suppression entries (a ratio within one run); segmentation (bench/segments.py): three rules over
1M people beside DuckDB on the same rows, compute, real-time and preview latency, and IngestEvents
OK -> watch change on the suite.
Sizes can be lowered for a quick look: CDP_BENCH_EVENTS, CDP_BENCH_PROFILES,
CDP_BENCH_SEGMENT_PROFILES.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc

from bench import privacy, segments
from bench.load import BATCH, latencies, make_batches, throughput, users
from bench.segments_suite import suite_latency
from cdp.api.ingestion.v1 import ingestion_service_pb2 as ingestion_pb
from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc as ingestion_grpc
from cdp.cli.suite import START_ORDER
from tests.e2e.conftest import free_ports, start_suite
from tests.support.client import SuiteClient, event, wait_for

EVENTS = int(os.environ.get("CDP_BENCH_EVENTS", "100000"))
PROFILES = int(os.environ.get("CDP_BENCH_PROFILES", "100000"))
PEOPLE = 100


def main() -> None:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cdp-bench-") as tmp:
        echo_port = free_ports(1)[0]
        echo = subprocess.Popen([sys.executable, "-m", "bench.echo_server", str(echo_port)])
        suite = start_suite(Path(tmp) / "cdp")
        try:
            with (
                grpc.insecure_channel(f"127.0.0.1:{echo_port}") as echo_channel,
                SuiteClient(suite) as client,
            ):
                _wait_ready(echo_channel)
                # First, while the suite holds few profiles (a new segment is computed over all).
                results |= suite_latency(client)
                results |= _pipeline(echo_channel, client)
                results |= _reads(echo_channel, client)
                results |= privacy.erasure(client)
                results |= privacy.check_consent(client)
                results |= privacy.suppression_cost(client)
        finally:
            suite.stop_all()
            echo.terminate()
            echo.wait()
        # After the suite has stopped: its idle services would otherwise share the CPUs.
        results |= segments.run(Path(tmp) / "segments")
    _report(results)


def _pipeline(echo_channel: grpc.Channel, client: SuiteClient) -> dict[str, float]:
    people = users(PEOPLE)
    batches = make_batches(max(EVENTS // BATCH, 1), people)
    baseline = throughput(echo_channel, [], batches)
    start = time.perf_counter()
    ingest = throughput(client.channel("ingestion"), client.metadata("ingest_writer"), batches)
    per_person = len(batches) * BATCH // PEOPLE
    for person in people:
        wait_for(
            lambda p=person: client.profile(user_id=p).event_count >= per_person,
            timeout=3600,
            interval=0.2,
        )
    end_to_end = len(batches) * BATCH / (time.perf_counter() - start)
    return {
        "echo_events_per_s": baseline,
        "ingest_ack_events_per_s": ingest,
        "ingest_ratio_to_echo": ingest / baseline,
        "end_to_end_events_per_s": end_to_end,
        "end_to_end_ratio_to_echo": end_to_end / baseline,
    }


def _reads(echo_channel: grpc.Channel, client: SuiteClient) -> dict[str, float]:
    people = users(PROFILES, "reader")
    batches = make_batches(max(PROFILES // BATCH, 1), people, kind="identify")
    throughput(client.channel("ingestion"), client.metadata("ingest_writer"), batches)
    wait_for(lambda: client.profile(user_id=people[-1]), timeout=3600, interval=0.5)
    wait_for(lambda: client.profile(user_id=people[0]), timeout=3600, interval=0.5)
    sample = random.Random(7).sample(people, 2000)
    picks = iter(sample)
    profile = latencies(lambda: client.profile(user_id=next(picks)), len(sample))
    echo_stub = ingestion_grpc.IngestionServiceStub(echo_channel)
    one = ingestion_pb.IngestEventsRequest(events=[event("track", user_id="x", name="e")])
    echo = latencies(lambda: echo_stub.IngestEvents(one, timeout=10), len(sample))
    return {
        "profiles": len(people),
        "get_profile_p50_ms": profile["p50_ms"],
        "get_profile_p99_ms": profile["p99_ms"],
        "echo_unary_p50_ms": echo["p50_ms"],
        "echo_unary_p99_ms": echo["p99_ms"],
        "get_profile_p50_ratio_to_echo": profile["p50_ms"] / echo["p50_ms"],
        "get_profile_p99_ratio_to_echo": profile["p99_ms"] / echo["p99_ms"],
    }


def _wait_ready(channel: grpc.Channel) -> None:
    grpc.channel_ready_future(channel).result(timeout=30)


def _report(results: dict[str, float]) -> None:
    width = max(len(name) for name in results)
    for name, value in results.items():
        print(f"{name:<{width}}  {value:>12,.2f}")
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps({"services": START_ORDER, **results}, indent=2))


if __name__ == "__main__":
    main()
