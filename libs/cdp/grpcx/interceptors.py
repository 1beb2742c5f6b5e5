"""Server interceptors: deny-by-default authorisation, then domain errors to rich statuses."""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable, Mapping

import grpc

from cdp.errors import CdpError, InvalidArgument, PermissionDenied, Unauthenticated
from cdp.grpcx.handlers import wrap_handler
from cdp.grpcx.status import to_status
from cdp.grpcx.tokens import Caller, InvalidToken, TokenVerifier

log = logging.getLogger("cdp.grpcx")

# Methods anyone may call (health checks and reflection carry no data).
PUBLIC_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)

NO_DEADLINE = 10 * 365 * 24 * 3600.0

current_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "current_caller", default=None
)


class AuthInterceptor(grpc.ServerInterceptor):
    """Every method needs an explicit roles entry; a call without a valid token and role never runs."""

    def __init__(self, verifier: TokenVerifier, method_roles: Mapping[str, frozenset[str]]) -> None:
        self._verifier = verifier
        self._roles = method_roles

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if details.method.startswith(PUBLIC_PREFIXES) or handler is None:
            return handler
        try:
            caller = self._authorise(details)
        except CdpError as err:
            refusal = _refuse(err)
            return wrap_handler(handler, lambda _behaviour: refusal)
        return wrap_handler(handler, lambda behaviour: _as_caller(behaviour, caller))

    def _authorise(self, details) -> Caller:
        allowed = self._roles.get(details.method)
        if allowed is None:
            raise PermissionDenied(
                "METHOD_NOT_MAPPED", "this method has no role mapping", method=details.method
            )
        token = _bearer(details.invocation_metadata)
        if token is None:
            raise Unauthenticated("TOKEN_MISSING", "authorization: Bearer <token> is required")
        try:
            caller = self._verifier.verify(token)
        except InvalidToken as exc:
            raise Unauthenticated("TOKEN_INVALID", str(exc)) from exc
        if not caller.roles & allowed:
            raise PermissionDenied(
                "ROLE_NOT_ALLOWED",
                "the caller's roles may not call this method",
                method=details.method,
                allowed=",".join(sorted(allowed)),
            )
        return caller


class DeadlineInterceptor(grpc.ServerInterceptor):
    """Write methods refuse calls without a deadline (INVALID_ARGUMENT naming grpc-timeout)."""

    def __init__(self, write_methods: frozenset[str]) -> None:
        self._writes = write_methods

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if details.method not in self._writes:
            return handler
        return wrap_handler(handler, _require_deadline)


def _require_deadline(behaviour: Callable) -> Callable:
    @functools.wraps(behaviour)
    def run(request_or_iterator, context):
        remaining = context.time_remaining()
        # gRPC reports "no deadline" as None or as an infinite future (about 9e18 seconds).
        if remaining is None or remaining > NO_DEADLINE:
            err = InvalidArgument(
                "DEADLINE_REQUIRED", "write calls must set a deadline", field="grpc-timeout"
            )
            context.abort_with_status(to_status(err))
        return behaviour(request_or_iterator, context)

    return run


class ErrorInterceptor(grpc.ServerInterceptor):
    """Domain errors become rich statuses; anything unexpected is INTERNAL with a log line, no details."""

    def intercept_service(self, continuation, details):
        guard = functools.partial(_guard, method=details.method)
        return wrap_handler(continuation(details), guard, deserializer_wrapper=_tolerant)


# What a request that does not parse becomes, so it can be refused as INVALID_ARGUMENT (gRPC itself
# would answer INTERNAL for a deserializer's exception, blaming the server for the client's bytes).
UNDECODABLE = object()


def _tolerant(deserializer: Callable) -> Callable:
    def deserialize(raw: bytes):
        try:
            return deserializer(raw)
        except Exception:  # any parse failure is the client's malformed message
            return UNDECODABLE

    return deserialize


def _malformed() -> InvalidArgument:
    return InvalidArgument(
        "MALFORMED_REQUEST", "the request is not a valid message of its type", field="request"
    )


def _checked(requests):
    for request in requests:
        if request is UNDECODABLE:
            raise _malformed()
        yield request


def _guard(behaviour: Callable, method: str) -> Callable:
    @functools.wraps(behaviour)
    def guarded(request_or_iterator, context):
        try:
            if request_or_iterator is UNDECODABLE:
                raise _malformed()
            if hasattr(request_or_iterator, "__next__"):
                request_or_iterator = _checked(request_or_iterator)
            result = behaviour(request_or_iterator, context)
            # Server streams are generators: errors surface while iterating.
            if hasattr(result, "__next__"):
                return _guard_stream(result, context, method)
            return result
        except Exception as exc:
            _abort(exc, context, method)

    return guarded


def _guard_stream(stream, context, method):
    try:
        yield from stream
    except Exception as exc:
        _abort(exc, context, method)


def _abort(exc: Exception, context: grpc.ServicerContext, method: str) -> None:
    if isinstance(exc, CdpError):
        context.abort_with_status(to_status(exc))
    if context.code() not in (None, grpc.StatusCode.OK):
        raise exc  # the servicer already set a status on purpose: keep it
    log.error("unexpected error in %s: %s", method, type(exc).__name__, exc_info=exc)
    context.abort(grpc.StatusCode.INTERNAL, "internal error")


def _refuse(err: CdpError) -> Callable:
    def refuse(_request, context):
        context.abort_with_status(to_status(err))

    return refuse


def _as_caller(behaviour: Callable, caller: Caller) -> Callable:
    @functools.wraps(behaviour)
    def run(request_or_iterator, context):
        token = current_caller.set(caller)
        try:
            return behaviour(request_or_iterator, context)
        finally:
            current_caller.reset(token)

    return run


def _bearer(metadata) -> str | None:
    for key, value in metadata or ():
        if key == "authorization" and value.startswith("Bearer "):
            return value[len("Bearer ") :]
    return None
