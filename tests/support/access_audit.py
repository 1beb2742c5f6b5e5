"""A tiny real PrivacyService that records RecordDataAccess calls, behind the suite's interceptors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc

from cdp.api.consent.v1 import privacy_service_pb2 as pb
from cdp.api.consent.v1 import privacy_service_pb2_grpc as pb_grpc
from cdp.errors import FailedPrecondition
from cdp.grpcx import server as grpc_server
from cdp.grpcx.interceptors import current_caller
from cdp.grpcx.runtime import CommonSettings


@dataclass(frozen=True)
class Recorded:
    """One RecordDataAccess as consent received it, with the roles of the token that carried it."""

    actor: str
    method: str
    profiles: tuple[str, ...]
    service: str
    caller_roles: frozenset[str]


class RecordingPrivacy(pb_grpc.PrivacyServiceServicer):
    def __init__(self) -> None:
        self.calls: list[Recorded] = []
        self.refuse = False  # answer as a consent service that will not write the entry
        self._lock = threading.Lock()

    def RecordDataAccess(self, request, context):
        if self.refuse:
            raise FailedPrecondition("AUDIT_REFUSED", "this fake refuses to audit")
        caller = current_caller.get()
        with self._lock:
            self.calls.append(
                Recorded(
                    request.actor,
                    request.method,
                    tuple(request.profiles),
                    request.service,
                    caller.roles if caller else frozenset(),
                )
            )
            return pb.RecordDataAccessResponse(sequence=len(self.calls))


@dataclass
class AuditPeer:
    recorder: RecordingPrivacy
    port: int
    server: grpc.Server

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def calls(self) -> list[Recorded]:
        return self.recorder.calls

    def stop(self) -> None:
        """Takes consent away: later audits cannot be written."""
        self.server.stop(None).wait(timeout=10)


@contextmanager
def audit_peer(dev_dir: Path) -> Iterator[AuditPeer]:
    verifier = CommonSettings.from_env("consent", {"CDP_DATA_DIR": str(dev_dir)}).verifier()
    recorder = RecordingPrivacy()
    server, port, _health = grpc_server.build_server(
        [grpc_server.registration(pb_grpc, recorder)], "127.0.0.1:0", verifier
    )
    server.start()
    peer = AuditPeer(recorder, port, server)
    try:
        yield peer
    finally:
        peer.stop()
