"""Runs the five services as processes over one data dir: used by `cdp up` and the end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cdp.config import DEFAULT_PORTS
from cdp.config.http_edge import DEFAULT_HTTP_PORT, ensure_dev_write_key, write_keys_path
from cdp.grpcx.runtime import ensure_dev_keys
from cdp.grpcx.tokens import ROLES, TokenIssuer, load_private_key

# Downstream first, so each service finds its peers already listening.
START_ORDER = ("consent", "profile", "identity", "segmentation", "ingestion")
TOKEN_TTL = 15 * 60


class Suite:
    """The services of one data dir, each a `python -m cdp.<service>` child process."""

    def __init__(
        self,
        data_dir: Path,
        ports: Mapping[str, int] | None = None,
        env: Mapping[str, str] | None = None,
        http_port: int = DEFAULT_HTTP_PORT,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.ports = dict(ports or DEFAULT_PORTS)
        # The ingestion process's Segment-compatible HTTP edge (CDP_HTTP_PORT).
        self.http_port = http_port
        self._env = dict(env or {})
        self.processes: dict[str, subprocess.Popen] = {}

    def prepare(self) -> None:
        ensure_dev_keys(self.data_dir)
        (self.data_dir / "logs").mkdir(exist_ok=True)
        self.refresh_tokens()
        ensure_dev_write_key(
            self.data_dir, write_keys_path({**os.environ, **self._env}, self.data_dir)
        )

    @property
    def http_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def env_for(self, service: str) -> dict[str, str]:
        env = {
            **os.environ,
            **self._env,
            "CDP_DATA_DIR": str(self.data_dir),
            "PORT": str(self.ports[service]),
            "CDP_EXIT_WITH_PARENT": "1",  # children never outlive `cdp up` or a test run
        }
        for peer, port in self.ports.items():
            env[f"CDP_{peer.upper()}_ADDR"] = f"127.0.0.1:{port}"
        if service == "ingestion":
            env["CDP_HTTP_PORT"] = str(self.http_port)
        return env

    def start(self, service: str) -> None:
        log = open(self.data_dir / "logs" / f"{service}.log", "ab")  # noqa: SIM115 - owned by the child
        self.processes[service] = subprocess.Popen(
            [sys.executable, "-m", f"cdp.{service}"],
            env=self.env_for(service),
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    def start_all(self, timeout: float = 60.0) -> None:
        """All five, or none: a service that fails to start takes the others down with it."""
        self.prepare()
        try:
            for service in START_ORDER:
                self.start(service)
            self.wait_healthy(timeout)
        except BaseException:
            self.stop_all()
            raise
        self.write_state()

    def wait_healthy(self, timeout: float = 60.0, services: tuple[str, ...] = START_ORDER) -> None:
        deadline = time.monotonic() + timeout
        for service in services:
            while not self._healthy(service):
                self._check_alive(service)
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{service} did not become healthy; see {self.data_dir}/logs/{service}.log"
                    )
                time.sleep(0.1)

    def kill(self, service: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(service)
        process.send_signal(sig)
        process.wait(timeout=30)

    def restart(self, service: str, timeout: float = 60.0) -> None:
        self.start(service)
        self.wait_healthy(timeout, (service,))

    def stop_all(self) -> None:
        for service in reversed(START_ORDER):
            process = self.processes.pop(service, None)
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        state = self.data_dir / "suite.json"
        state.unlink(missing_ok=True)

    def refresh_tokens(self) -> None:
        """Dev tokens for every role, valid 15 minutes; `cdp up` renews them while it runs."""
        issuer = TokenIssuer(load_private_key(self.data_dir / "keys" / "token.pem"))
        tokens = self.data_dir / "tokens"
        tokens.mkdir(mode=0o700, exist_ok=True)
        for role in ROLES:
            path = tokens / f"{role}.jwt"
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(issuer.mint(f"dev:{role}", (role,), TOKEN_TTL))
            os.replace(tmp, path)

    def write_state(self) -> None:
        state = {"pid": os.getpid(), "ports": self.ports, "http_port": self.http_port}
        (self.data_dir / "suite.json").write_text(json.dumps(state))

    def _healthy(self, service: str) -> bool:
        with grpc.insecure_channel(f"127.0.0.1:{self.ports[service]}") as channel:
            try:
                response = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1
                )
            except grpc.RpcError:
                return False
        return response.status == health_pb2.HealthCheckResponse.SERVING

    def _check_alive(self, service: str) -> None:
        process = self.processes.get(service)
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"{service} exited with {process.returncode}; see {self.data_dir}/logs/{service}.log"
            )
