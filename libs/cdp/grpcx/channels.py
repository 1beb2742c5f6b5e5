"""Client channels with deadlines, retries (service config) and a bearer token on every call."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import grpc

_RETRY_POLICY = {
    "methodConfig": [
        {
            "name": [{}],
            "retryPolicy": {
                "maxAttempts": 5,
                "initialBackoff": "0.05s",
                "maxBackoff": "2s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ]
}
CHANNEL_OPTIONS = [
    ("grpc.service_config", json.dumps(_RETRY_POLICY)),
    ("grpc.enable_retries", 1),
    ("grpc.lb_policy_name", "round_robin"),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
]


class RefreshingToken:
    """Mints a fresh short-lived token before the old one expires."""

    def __init__(self, mint: Callable[[], str], lifetime: float = 600.0) -> None:
        self._mint = mint
        self._lifetime = lifetime
        self._token = ""
        self._expires = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if time.monotonic() >= self._expires:
                self._token = self._mint()
                self._expires = time.monotonic() + self._lifetime
            return self._token


def insecure_channel_with_token(target: str, token: Callable[[], str]) -> grpc.Channel:
    """Plaintext transport on loopback in dev; the token still rides on every call.

    grpc refuses call credentials on an insecure channel, so the header is added by an interceptor.
    """
    channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
    return grpc.intercept_channel(channel, _TokenInterceptor(token))


class _TokenInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def _details(self, details):
        metadata = list(details.metadata or ())
        metadata.append(("authorization", f"Bearer {self._token()}"))
        return _Details(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)


class _Details(grpc.ClientCallDetails):
    def __init__(self, method, timeout, metadata, credentials, wait_for_ready, compression):
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression
