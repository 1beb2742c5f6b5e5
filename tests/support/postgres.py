"""Finds a PostgreSQL server for the tests, or starts a throwaway one from the Debian binaries."""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432"


def postgres_server_url() -> str | None:
    """CDP_TEST_POSTGRES_URL, else a local server on 5432, else a throwaway one (None if impossible)."""
    configured = os.environ.get("CDP_TEST_POSTGRES_URL")
    if configured:
        return configured.rstrip("/")
    if _answers("127.0.0.1", 5432):
        return _DEFAULT
    return _start_throwaway()


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _start_throwaway() -> str | None:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        return None
    bin_dir = os.path.dirname(binaries[-1])
    root = tempfile.mkdtemp(prefix="cdp-pg-")
    port = _free_port()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(root, "postgres")
    data = os.path.join(root, "data")
    subprocess.run(
        [*as_user, f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_user,
            f"{bin_dir}/pg_ctl",
            "-D",
            data,
            "-o",
            f"-p {port} -k {root} -h 127.0.0.1",
            "-l",
            os.path.join(root, "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    atexit.register(
        lambda: subprocess.run(
            [*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
            capture_output=True,
        )
    )
    deadline = time.monotonic() + 30
    while not _answers("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.2)
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
