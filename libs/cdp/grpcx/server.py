"""build_server(): one way to stand up any service, so tests can bind 127.0.0.1:0."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import server_interceptor

from cdp.grpcx.interceptors import AuthInterceptor, DeadlineInterceptor, ErrorInterceptor
from cdp.grpcx.roles import METHOD_ROLES, WRITE_METHODS
from cdp.grpcx.tokens import TokenVerifier

MAX_MESSAGE_BYTES = 4 * 1024 * 1024 + 64 * 1024  # a 4 MiB batch plus its envelope
MAX_METADATA_BYTES = 16 * 1024
SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.max_metadata_size", MAX_METADATA_BYTES),
    # Past the soft limit above gRPC rejects at random up to the hard one: make them the same.
    ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
    ("grpc.max_connection_age_ms", 30 * 60 * 1000),
    ("grpc.so_reuseport", 0),
]


@dataclass(frozen=True)
class Registration:
    """Adds one servicer to a server: `add(servicer, server)` plus its full service name."""

    add: Callable[[object, grpc.Server], None]
    servicer: object
    service_name: str


def build_server(
    registrations: Iterable[Registration],
    address: str,
    verifier: TokenVerifier,
    max_workers: int = 16,
) -> tuple[grpc.Server, int, health.HealthServicer]:
    interceptors = [
        server_interceptor(),
        AuthInterceptor(verifier, METHOD_ROLES),
        DeadlineInterceptor(WRITE_METHODS),
        ErrorInterceptor(),
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers),
        interceptors=interceptors,
        options=SERVER_OPTIONS,
    )
    names = []
    for registration in registrations:
        registration.add(registration.servicer, server)
        names.append(registration.service_name)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in [*names, ""]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )
    port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"could not bind {address}")
    return server, port, health_servicer


def registration(module, servicer: object) -> Registration:
    """From a generated *_pb2_grpc module: the only service it defines."""
    adders = [
        name
        for name in dir(module)
        if name.startswith("add_") and name.endswith("Servicer_to_server")
    ]
    service = adders[0].removeprefix("add_").removesuffix("Servicer_to_server")
    package = module.DESCRIPTOR.package if hasattr(module, "DESCRIPTOR") else _package_of(module)
    return Registration(getattr(module, adders[0]), servicer, f"{package}.{service}")


def _package_of(module) -> str:
    # cdp.api.profile.v1.profile_service_pb2_grpc -> cdp.api.profile.v1
    return module.__name__.rsplit(".", 1)[0]
