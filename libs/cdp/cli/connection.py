"""Finds the running suite and its dev tokens from the data dir, and opens channels as a given role."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import jwt

from cdp.config import DEFAULT_PORTS
from cdp.config.http_edge import DEFAULT_HTTP_PORT, dev_write_key_path
from cdp.grpcx.channels import insecure_channel_with_token


class SuiteNotRunning(Exception):
    """No usable suite state or tokens in the data dir."""


class Connection:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        state = self.data_dir / "suite.json"
        saved = json.loads(state.read_text()) if state.exists() else {}
        self.ports = saved.get("ports", dict(DEFAULT_PORTS))
        self.http_port = saved.get("http_port", DEFAULT_HTTP_PORT)

    @property
    def http_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def write_key(self) -> str:
        """The dev write key `cdp up` created, for the HTTP edge's Basic authentication."""
        path = dev_write_key_path(self.data_dir)
        if not path.exists():
            raise SuiteNotRunning(
                f"no dev write key in {path.parent}: start the suite with `cdp up`"
            )
        return path.read_text().strip()

    def token(self, role: str) -> str:
        path = self.data_dir / "tokens" / f"{role}.jwt"
        if not path.exists():
            raise SuiteNotRunning(f"no dev token in {path.parent}: start the suite with `cdp up`")
        token = path.read_text().strip()
        claims = jwt.decode(token, options={"verify_signature": False})
        if claims.get("exp", 0) < __import__("time").time():
            raise SuiteNotRunning("the dev tokens expired: is `cdp up` still running?")
        return token

    def channel(self, service: str, role: str) -> grpc.Channel:
        token = self.token(role)
        return insecure_channel_with_token(f"127.0.0.1:{self.ports[service]}", lambda: token)
