"""Load generation: pre-built batches of realistic events, sent with several calls in flight."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable

import grpc

from cdp.api.ingestion.v1 import ingestion_service_pb2 as pb
from cdp.api.ingestion.v1 import ingestion_service_pb2_grpc as pb_grpc
from tests.support.client import event

BATCH = 500


def make_batches(count: int, users: list[str], kind: str = "track") -> list[pb.IngestEventsRequest]:
    """`count` batches; events spread over `users`, with traits/properties like a shop sends."""
    batches = []
    for number in range(count):
        events = []
        for i in range(BATCH):
            user = users[(number * BATCH + i) % len(users)]
            if kind == "identify":
                events.append(
                    event(
                        "identify",
                        user_id=user,
                        traits={"email": f"{user}@example.com", "plan": "pro", "logins": i},
                    )
                )
            else:
                events.append(
                    event(
                        "track",
                        user_id=user,
                        name="Product Viewed",
                        properties={"sku": f"SKU-{i}", "price": 19.5, "currency": "VND"},
                        context={"ip": "203.0.113.7", "locale": "vi-VN"},
                    )
                )
        batches.append(pb.IngestEventsRequest(source="bench", events=events))
    return batches


def users(count: int, prefix: str = "bench") -> list[str]:
    run = uuid.uuid4().hex[:6]
    return [f"{prefix}-{run}-{i}" for i in range(count)]


def throughput(
    channel: grpc.Channel, metadata, batches: list[pb.IngestEventsRequest], in_flight: int = 4
) -> float:
    """Events acknowledged per second, with `in_flight` calls outstanding at a time."""
    stub = pb_grpc.IngestionServiceStub(channel)
    queue = list(batches)
    lock = threading.Lock()
    acked = [0]

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                request = queue.pop()
            response = stub.IngestEvents(request, metadata=metadata, timeout=120)
            with lock:
                acked[0] += response.accepted_count

    threads = [threading.Thread(target=worker) for _ in range(in_flight)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acked[0] / (time.perf_counter() - start)


def latencies(call: Callable[[], object], count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": statistics.median(samples), "p99_ms": samples[int(len(samples) * 0.99) - 1]}
