"""Segmentation figures for `make bench`: rule evaluation beside DuckDB, compute, real-time, preview.

At CDP_BENCH_SEGMENT_PROFILES people (default 1,000,000; ~5 events each over 120 days) in the
service's SQLite read model: three rules counted with the compiled SQL and with hand-written SQL in
DuckDB over the same rows (same counts required; the ratio is ours / DuckDB's, goal <= 2), the
batch computation of the behavioural rule, ApplyProfileUpdates -> watch latency for 1,000 people
entering (goal p99 <= 10 ms in the RPC, <= 50 ms to the watch), and PreviewSegment latency.
suite_latency() adds IngestEvents OK -> watch change on the whole suite.
Run alone with `python -m bench.segments`.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, func, select

from bench import segments_data, segments_live
from bench.segments_data import PURPOSE
from bench.segments_duckdb import Baseline
from cdp.segmentation.adapters import orm
from cdp.segmentation.adapters.compiler import Scope, eligible, matches
from cdp.segmentation.domain.conditions.parser import parse
from cdp.segmentation.service_layer.context import now_micros

PROFILES = int(os.environ.get("CDP_BENCH_SEGMENT_PROFILES", "1000000"))
RULES = {
    "narrow": 'traits.country == "VN" and traits.plan == "enterprise"',
    "broad": 'traits.country in ["VN", "TH"]',
    "behavioural": 'traits.country == "VN" and event("Order Completed").count(within = 30d) >= 2'
    ' and not event("Refund").exists(within = 90d)',
}
REPEATS = 3  # timed runs per rule and engine (after one untimed run); the median is reported
REALTIME_UPDATES = 1000
PREVIEW_CALLS = 5

T = TypeVar("T")


def run(tmp: Path, profiles: int = PROFILES) -> dict[str, float]:
    """Builds the read model under `tmp` and measures; returns the figures (seg_* names)."""
    tmp.mkdir(parents=True, exist_ok=True)
    now = now_micros()
    url = f"sqlite:///{tmp / 'segmentation.db'}"
    started = time.perf_counter()
    engine = segments_data.build(url, tmp / "csv", profiles, now)
    baseline = Baseline(tmp / "csv")
    figures: dict[str, float] = {
        "profiles": profiles,
        "events": _scalar(engine, select(func.count()).select_from(orm.events)),
        "load_s": time.perf_counter() - started,
    }
    try:
        for rule in RULES:
            figures |= _count(engine, baseline, rule, now)
        entering = baseline.one_order_away(now, segments_live.WARMUP + REALTIME_UPDATES)
    finally:
        baseline.close()
        engine.dispose()
    with segments_live.serve(url, tmp / "cdp") as live:
        segment, seconds = segments_live.compute(live, RULES["behavioural"])
        figures |= {"compute_behavioural_s": seconds, "compute_members": segment.member_count}
        figures |= segments_live.realtime(live, segment, entering)
        figures |= segments_live.preview(live, RULES, PREVIEW_CALLS)
    return {f"seg_{name}": value for name, value in figures.items()}


def _count(engine: Engine, baseline: Baseline, rule: str, now: int) -> dict[str, float]:
    """The rule counted by our compiled SQL and by DuckDB: both counts, times and the ratio."""
    matched = matches(parse(RULES[rule]), Scope(now=now))
    query = select(func.count()).select_from(orm.profiles).where(matched, eligible(PURPOSE))
    ours, ours_ms = _timed(lambda: _scalar(engine, query))
    theirs, theirs_ms = _timed(lambda: baseline.count(rule, now))
    if ours != theirs:
        raise RuntimeError(f"{rule}: our SQL counts {ours}, DuckDB {theirs}")
    return {
        f"{rule}_count": ours,
        f"{rule}_count_duckdb": theirs,
        f"{rule}_ms": ours_ms,
        f"{rule}_duckdb_ms": theirs_ms,
        f"{rule}_ratio_to_duckdb": ours_ms / theirs_ms,
    }


def _timed(call: Callable[[], T]) -> tuple[T, float]:
    result = call()  # warms caches: both engines are then measured on data in memory
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return result, statistics.median(samples)


def _scalar(engine: Engine, query) -> int:
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def report(figures: dict[str, float]) -> None:
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:>14,.2f}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cdp-bench-segments-") as tmp:
        report(run(Path(tmp)))


if __name__ == "__main__":
    main()
