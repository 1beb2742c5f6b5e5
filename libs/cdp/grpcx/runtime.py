"""What every service process shares: dev key material, peer channels, service tokens, serving loop."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc

from cdp.config import DEFAULT_PORTS, data_dir, get_float, get_str
from cdp.grpcx.channels import RefreshingToken, insecure_channel_with_token
from cdp.grpcx.tokens import (
    TokenIssuer,
    TokenVerifier,
    load_private_key,
    load_public_key,
    write_keypair,
)
from cdp.pii.kek import LocalKeyFileProvider

log = logging.getLogger("cdp.runtime")


@dataclass(frozen=True)
class CommonSettings:
    service: str
    host: str
    port: int
    database_url: str
    index_key_file: Path
    token_public_key: Path
    token_private_key: Path
    key_cache_ttl: float
    peers: Mapping[str, str]
    exit_with_parent: bool = False

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str]) -> CommonSettings:
        root = data_dir(env)
        peers = {
            name: env.get(f"CDP_{name.upper()}_ADDR", f"127.0.0.1:{port}")
            for name, port in DEFAULT_PORTS.items()
        }
        return cls(
            service=service,
            host=env.get("HOST", "127.0.0.1"),
            port=int(env.get("PORT", DEFAULT_PORTS[service])),
            database_url=get_str(env, "DATABASE_URL", f"sqlite:///{root / f'{service}.db'}"),
            index_key_file=Path(env.get("CDP_INDEX_KEY_FILE", root / "keys" / "index.key")),
            token_public_key=Path(env.get("CDP_TOKEN_PUBLIC_KEY", root / "keys" / "token.pub")),
            token_private_key=Path(env.get("CDP_TOKEN_PRIVATE_KEY", root / "keys" / "token.pem")),
            key_cache_ttl=get_float(env, "CDP_KEY_CACHE_TTL", 30.0),
            peers=peers,
            exit_with_parent=env.get("CDP_EXIT_WITH_PARENT") == "1",
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def index_key(self) -> bytes:
        return self.index_key_file.read_bytes()

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(load_public_key(self.token_public_key))

    def peer_channel(self, peer: str) -> grpc.Channel:
        """A channel to another service carrying this service's own short-lived `service` token."""
        issuer = TokenIssuer(load_private_key(self.token_private_key))
        token = RefreshingToken(lambda: issuer.mint(f"service:{self.service}", ("service",)))
        return insecure_channel_with_token(self.peers[peer], token)


def ensure_dev_keys(root: Path) -> None:
    """First run of `cdp up`: index key, token signing pair and the local KEK file, all 0600."""
    keys = root / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    os.chmod(keys, 0o700)
    index = keys / "index.key"
    if not index.exists():
        fd = os.open(index, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(32))
    if not (keys / "token.pem").exists():
        write_keypair(keys / "token.pem", keys / "token.pub")
    LocalKeyFileProvider(keys / "kek.json")


def serve_until_signalled(
    server: grpc.Server, name: str, address: str, on_stop=None, exit_with_parent: bool = False
) -> None:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if exit_with_parent:
        threading.Thread(target=_watch_parent, args=(os.getppid(), stop), daemon=True).start()
    server.start()
    log.info("%s serving on %s", name, address)
    stop.wait()
    log.info("%s stopping", name)
    if on_stop is not None:
        on_stop()
    server.stop(grace=5).wait()


def _watch_parent(parent: int, stop: threading.Event) -> None:
    """A service started by `cdp up` or a test stops by itself when its parent dies (even by kill -9)."""
    while not stop.wait(1.0):
        if os.getppid() != parent:
            log.warning("parent process is gone; stopping")
            stop.set()
