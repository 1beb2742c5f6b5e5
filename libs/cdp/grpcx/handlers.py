"""Wraps the behaviour of any kind of RPC handler, so interceptors are written once for all four."""

from __future__ import annotations

from collections.abc import Callable

import grpc

Wrapper = Callable[[Callable], Callable]

_KINDS = (
    ("unary_unary", grpc.unary_unary_rpc_method_handler),
    ("unary_stream", grpc.unary_stream_rpc_method_handler),
    ("stream_unary", grpc.stream_unary_rpc_method_handler),
    ("stream_stream", grpc.stream_stream_rpc_method_handler),
)


def wrap_handler(
    handler: grpc.RpcMethodHandler | None,
    wrapper: Wrapper,
    deserializer_wrapper: Callable[[Callable], Callable] | None = None,
) -> grpc.RpcMethodHandler | None:
    if handler is None:
        return None
    deserializer = handler.request_deserializer
    if deserializer_wrapper is not None and deserializer is not None:
        deserializer = deserializer_wrapper(deserializer)
    for kind, factory in _KINDS:
        behaviour = getattr(handler, kind)
        if behaviour is not None:
            return factory(
                wrapper(behaviour),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
    return handler


def is_streaming_response(handler: grpc.RpcMethodHandler) -> bool:
    return handler.response_streaming
