"""Domain errors: each knows its status family and a stable reason, never gRPC itself."""

from __future__ import annotations

from typing import Any


class CdpError(Exception):
    """Base of every error the suite raises on purpose.

    `reason` is stable UPPER_SNAKE (clients branch on it), `message` is for people and never carries
    personal data, `metadata` holds safe details (field paths, limits, resource names).
    """

    code = "UNKNOWN"

    def __init__(self, reason: str, message: str, **metadata: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.metadata = {key: str(value) for key, value in metadata.items()}


class InvalidArgument(CdpError):
    """The request is malformed; `field` names the offending field path."""

    code = "INVALID_ARGUMENT"

    def __init__(self, reason: str, message: str, field: str, **metadata: Any) -> None:
        super().__init__(reason, message, field=field, **metadata)
        self.field = field


class NotFound(CdpError):
    code = "NOT_FOUND"


class AlreadyExists(CdpError):
    code = "ALREADY_EXISTS"


class FailedPrecondition(CdpError):
    code = "FAILED_PRECONDITION"


class Aborted(CdpError):
    code = "ABORTED"


class Unauthenticated(CdpError):
    code = "UNAUTHENTICATED"


class PermissionDenied(CdpError):
    code = "PERMISSION_DENIED"


class ResourceExhausted(CdpError):
    code = "RESOURCE_EXHAUSTED"


class Unavailable(CdpError):
    code = "UNAVAILABLE"


class DeadlineExceeded(CdpError):
    code = "DEADLINE_EXCEEDED"


def field_required(field: str) -> InvalidArgument:
    return InvalidArgument("FIELD_REQUIRED", f"{field} is required", field=field)


def value_too_long(field: str, limit: int) -> InvalidArgument:
    return InvalidArgument(
        "VALUE_TOO_LONG", f"{field} is longer than {limit}", field=field, limit=limit
    )


def too_many(field: str, limit: int) -> InvalidArgument:
    return InvalidArgument(
        "TOO_MANY_ITEMS", f"{field} has more than {limit} items", field=field, limit=limit
    )
