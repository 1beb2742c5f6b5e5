"""Services started by `cdp up` (or a test) stop by themselves when their parent dies, even by kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import free_ports

PARENT = """
import json, sys, time
from pathlib import Path
from cdp.cli.suite import START_ORDER, Suite
suite = Suite(Path(sys.argv[1]), ports=dict(zip(START_ORDER, map(int, sys.argv[2:7]))), http_port=int(sys.argv[7]))
suite.start_all(timeout=90)
print(json.dumps([p.pid for p in suite.processes.values()]), flush=True)
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its reaper counts as gone
        return stat.read().split()[2] != "Z"


def test_the_services_stop_when_their_parent_is_killed(tmp_path: Path) -> None:
    ports = [str(p) for p in free_ports(6)]
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "cdp"), *ports],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        children = json.loads(parent.stdout.readline())
        assert len(children) == 5 and all(_alive(pid) for pid in children)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        if parent.poll() is None:
            parent.kill()
