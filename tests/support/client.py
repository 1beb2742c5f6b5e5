"""A test client for a running suite: stubs per service, tokens per role, bounded waiting."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TypeVar

import grpc
from google.protobuf import struct_pb2, timestamp_pb2

from cdp.api.identity.v1 import identifier_pb2, identity_service_pb2, identity_service_pb2_grpc
from cdp.api.ingestion.v1 import event_pb2, ingestion_service_pb2, ingestion_service_pb2_grpc
from cdp.api.profile.v1 import profile_service_pb2, profile_service_pb2_grpc
from cdp.cli.suite import Suite
from cdp.grpcx.tokens import TokenIssuer, load_private_key

T = TypeVar("T")


class SuiteClient:
    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self._issuer = TokenIssuer(load_private_key(suite.data_dir / "keys" / "token.pem"))
        self._channels: dict[str, grpc.Channel] = {}

    def __enter__(self) -> SuiteClient:
        return self

    def __exit__(self, *_exc) -> None:
        for channel in self._channels.values():
            channel.close()

    def metadata(self, role: str) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self._issuer.mint('test:' + role, (role,))}")]

    def channel(self, service: str) -> grpc.Channel:
        if service not in self._channels:
            self._channels[service] = grpc.insecure_channel(
                f"127.0.0.1:{self.suite.ports[service]}"
            )
        return self._channels[service]

    def reset(self, service: str) -> None:
        channel = self._channels.pop(service, None)
        if channel is not None:
            channel.close()

    def ingest(
        self, events: list[event_pb2.Event], source: str = "e2e"
    ) -> ingestion_service_pb2.IngestEventsResponse:
        stub = ingestion_service_pb2_grpc.IngestionServiceStub(self.channel("ingestion"))
        request = ingestion_service_pb2.IngestEventsRequest(source=source, events=events)
        return stub.IngestEvents(request, metadata=self.metadata("ingest_writer"), timeout=30)

    def profile(self, **lookup) -> profile_service_pb2.Profile:
        stub = profile_service_pb2_grpc.ProfileServiceStub(self.channel("profile"))
        request = profile_service_pb2.GetProfileRequest(**_lookup(lookup))
        return stub.GetProfile(
            request, metadata=self.metadata("profile_reader"), timeout=10
        ).profile

    def timeline(self, name: str, page_size: int = 1000) -> list:
        stub = profile_service_pb2_grpc.ProfileServiceStub(self.channel("profile"))
        events, token = [], ""
        while True:
            response = stub.ListProfileEvents(
                profile_service_pb2.ListProfileEventsRequest(
                    parent=name, page_size=page_size, page_token=token
                ),
                metadata=self.metadata("profile_reader"),
                timeout=30,
            )
            events.extend(response.events)
            token = response.next_page_token
            if not token:
                return events

    def explain(self, name: str) -> identity_service_pb2.ExplainProfileResponse:
        stub = identity_service_pb2_grpc.IdentityServiceStub(self.channel("identity"))
        return stub.ExplainProfile(
            identity_service_pb2.ExplainProfileRequest(profile=name),
            metadata=self.metadata("profile_reader"),
            timeout=10,
        )

    def lookup(self, kind: str, value: str) -> str:
        stub = identity_service_pb2_grpc.IdentityServiceStub(self.channel("identity"))
        request = identity_service_pb2.LookupProfileRequest(
            identifier=identifier_pb2.Identifier(type=kind, value=value)
        )
        return stub.LookupProfile(
            request, metadata=self.metadata("profile_reader"), timeout=10
        ).profile


def _lookup(lookup: dict) -> dict:
    if "name" in lookup:
        return {"name": lookup["name"]}
    ((kind, value),) = lookup.items()
    return {"identifier": identifier_pb2.Identifier(type=kind, value=value)}


def wait_for(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.05) -> T:
    """Polls until check() returns something truthy without raising; bounded by timeout."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (grpc.RpcError, AssertionError) as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last error: {last!r}")


def event(
    kind: str = "track",
    *,
    user_id: str = "",
    anonymous_id: str = "",
    name: str = "",
    traits: dict | None = None,
    properties: dict | None = None,
    context: dict | None = None,
    timestamp: float | None = None,
    message_id: str | None = None,
    previous_id: str = "",
    group_id: str = "",
) -> event_pb2.Event:
    message = event_pb2.Event(
        message_id=message_id or str(uuid.uuid4()),
        type=event_pb2.EventType.Value(f"EVENT_TYPE_{kind.upper()}"),
        user_id=user_id,
        anonymous_id=anonymous_id,
        previous_id=previous_id,
        group_id=group_id,
    )
    if kind == "track":
        message.event = name
    elif kind in ("page", "screen"):
        message.name = name
    for field, value in (("traits", traits), ("properties", properties), ("context", context)):
        if value is not None:
            getattr(message, field).update(value)
    if timestamp is not None:
        message.timestamp.CopyFrom(
            timestamp_pb2.Timestamp(seconds=int(timestamp), nanos=int((timestamp % 1) * 1e9))
        )
    return message


def struct_dict(value: struct_pb2.Struct) -> dict:
    from google.protobuf import json_format

    return json_format.MessageToDict(value)
