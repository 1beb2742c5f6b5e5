"""The whole suite as real processes on 127.0.0.1 (the same launcher `cdp up` uses)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cdp.cli.suite import START_ORDER, Suite
from tests.support.client import SuiteClient


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def start_suite(root: Path, env: dict[str, str] | None = None) -> Suite:
    *ports, http_port = free_ports(len(START_ORDER) + 1)
    suite = Suite(
        root, ports=dict(zip(START_ORDER, ports, strict=True)), env=env, http_port=http_port
    )
    suite.start_all(timeout=90)
    return suite


# DEBUG logs and every trace span written into the same log files: the byte scans of the data dir
# then cover logs and traces at their most talkative (privacy.md T9).
TALKATIVE = {"CDP_LOG_LEVEL": "DEBUG", "OTEL_TRACES_EXPORTER": "console"}


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    running = start_suite(tmp_path_factory.mktemp("suite") / "cdp", env=TALKATIVE)
    yield running
    running.stop_all()


@pytest.fixture(scope="module")
def client(suite: Suite) -> Iterator[SuiteClient]:
    with SuiteClient(suite) as connected:
        yield connected
