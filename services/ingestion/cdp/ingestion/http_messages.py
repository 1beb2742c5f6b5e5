"""The HTTP edge's request rules: routes, write keys, limits, Segment JSON in, results out."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from cdp.config.http_edge import WriteKeys
from cdp.errors import CdpError
from cdp.ingestion import mapping, segment_json
from cdp.ingestion.domain.errors import EventInvalid
from cdp.ingestion.domain.model import MAX_BATCH, Batch, Event, EventResult, Status
from cdp.ingestion.service_layer import handlers

MAX_BODY = 4 * 1024 * 1024  # privacy.md R24: a batch is at most 4 MiB, compressed or not
# Three protobuf levels per JSON level: deeper documents could not travel over IngestEvents either.
MAX_DEPTH = 32
ROUTES = {
    "/v1/batch": None,
    "/v1/track": "track",
    "/v1/identify": "identify",
    "/v1/page": "page",
    "/v1/screen": "screen",
    "/v1/group": "group",
    "/v1/alias": "alias",
}
STATUS_NAMES = {
    Status.ACCEPTED: "accepted",
    Status.DUPLICATE: "duplicate",
    Status.REJECTED: "rejected",
    Status.SUPPRESSED: "suppressed",
}
_HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "RESOURCE_EXHAUSTED": 429,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
_ENCODINGS = ("", "identity", "gzip", "x-gzip")


class HttpError(Exception):
    """A refused request: status, stable reason, a message naming fields, never values."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        field: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        error = {"code": self.status, "reason": self.reason, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"success": False, "error": error}


def unauthenticated(reason: str, message: str) -> HttpError:
    return HttpError(401, reason, message, headers={"WWW-Authenticate": 'Basic realm="cdp"'})


def from_cdp_error(err: CdpError) -> HttpError:
    """The handler's refusals keep their reason; the status follows the gRPC-HTTP mapping."""
    status = _HTTP_STATUS.get(err.code, 500)
    return HttpError(status, err.reason, err.message, err.metadata.get("field", ""))


def route(path: str) -> str | None:
    """The message type an endpoint implies (None for /v1/batch); unknown paths are 404."""
    if path not in ROUTES:
        raise HttpError(404, "NOT_FOUND", "no such endpoint")
    return ROUTES[path]


def allowed_origin(origin: str | None, allowed: tuple[str, ...]) -> str | None:
    """The Access-Control-Allow-Origin to answer; a browser origin off the list is refused."""
    if "*" in allowed:
        return "*"
    if origin is None:
        return None  # not a browser's cross-origin request
    if origin in allowed:
        return origin
    raise HttpError(403, "ORIGIN_NOT_ALLOWED", "this origin may not send events")


def check_header_size(headers: Iterable[tuple[str, str]], limit: int) -> None:
    if sum(len(name) + len(value) for name, value in headers) > limit:
        raise HttpError(431, "HEADERS_TOO_LARGE", f"the headers are larger than {limit} bytes")


def source_from_header(header: str | None, keys: WriteKeys) -> str | None:
    """The source of `Authorization: Basic base64(write_key:)`; None when there is no header."""
    if header is None:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise unauthenticated("WRITE_KEY_INVALID", "use HTTP Basic with the write key as username")
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise unauthenticated("WRITE_KEY_INVALID", "the Basic credentials are malformed") from None
    source = keys.source(decoded.partition(":")[0])
    if source is None:
        raise unauthenticated("WRITE_KEY_INVALID", "the write key is not known")
    return source


def source_from_body(document: Mapping[str, Any], keys: WriteKeys) -> str:
    """analytics.js may send the write key as `writeKey` in the body instead of a header."""
    write_key = document.get("writeKey")
    if not isinstance(write_key, str) or not write_key:
        raise unauthenticated("WRITE_KEY_REQUIRED", "send the write key as the Basic username")
    source = keys.source(write_key)
    if source is None:
        raise unauthenticated("WRITE_KEY_INVALID", "the write key is not known")
    return source


def content_length(header: str | None) -> int:
    if header is None:
        raise HttpError(411, "LENGTH_REQUIRED", "send the body with a Content-Length")
    try:
        length = int(header)
    except ValueError:
        raise HttpError(400, "INVALID_CONTENT_LENGTH", "Content-Length is not a number") from None
    if length < 0:
        raise HttpError(400, "INVALID_CONTENT_LENGTH", "Content-Length is negative")
    if length > MAX_BODY:
        raise _too_large()
    return length


def decode_body(raw: bytes, encoding: str) -> bytes:
    """The body as sent, or gunzipped (mobile SDKs compress) within the same 4 MiB."""
    encoding = encoding.strip().lower()
    if encoding not in _ENCODINGS:
        raise HttpError(415, "UNSUPPORTED_ENCODING", "Content-Encoding must be gzip or identity")
    if encoding in ("", "identity"):
        return raw
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, MAX_BODY + 1)
    except zlib.error:
        raise HttpError(400, "MALFORMED_GZIP", "the body is not valid gzip") from None
    if len(body) > MAX_BODY:
        raise _too_large()
    if not inflater.eof:
        raise HttpError(400, "MALFORMED_GZIP", "the gzip body is truncated")
    return body


def parse_document(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise HttpError(400, "MALFORMED_JSON", "the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise HttpError(400, "MALFORMED_JSON", "the body must be a JSON object")
    return document


def messages_of(document: dict[str, Any], kind: str | None) -> list[Any]:
    """One message for /v1/<type> (the endpoint names its type), the batch for /v1/batch."""
    if kind is not None:
        return [{**document, "type": kind}]
    batch = document.get("batch")
    if not isinstance(batch, list):
        raise HttpError(400, "FIELD_REQUIRED", "batch must be a list of messages", "batch")
    if len(batch) > MAX_BATCH:
        raise HttpError(400, "TOO_MANY_ITEMS", f"batch has more than {MAX_BATCH} messages", "batch")
    return [_with_envelope(message, document) for message in batch]


def ingest(messages: list[Any], source: str, deps: handlers.Dependencies) -> list[EventResult]:
    """Through the same handler as IngestEvents; messages that are not events are rejected."""
    events, positions, results = _events(messages)
    if events:
        stored = handlers.ingest_events(Batch(source, events), deps)
        results += [_renumber(result, positions[result.index]) for result in stored]
    return sorted(results, key=lambda result: result.index)


def response_json(results: list[EventResult]) -> dict[str, Any]:
    return {"success": True, "results": [_result_json(result) for result in results]}


def _with_envelope(message: Any, document: Mapping[str, Any]) -> Any:
    """The batch's context and sentAt apply to each message; the message's own keys win."""
    if not isinstance(message, dict):
        return message
    merged = dict(message)
    shared, own = document.get("context"), message.get("context") or {}
    if isinstance(shared, dict) and isinstance(own, dict):
        merged["context"] = {**shared, **own}
    sent_at = document.get("sentAt")
    if sent_at is not None and message.get("sentAt") is None and message.get("sent_at") is None:
        merged["sentAt"] = sent_at
    return merged


def _events(messages: list[Any]) -> tuple[list[Event], list[int], list[EventResult]]:
    """Events to store with their positions in the request, and the unconvertible ones rejected."""
    events: list[Event] = []
    positions: list[int] = []
    rejected: list[EventResult] = []
    for index, message in enumerate(messages):
        try:
            events.append(_event(message))
            positions.append(index)
        except EventInvalid as err:
            rejected.append(err.result(index, _message_id(message)))
    return events, positions, rejected


def _event(message: Any) -> Event:
    if _too_deep(message):
        raise EventInvalid("TOO_DEEP", "", f"nests objects deeper than {MAX_DEPTH} levels")
    try:
        return mapping.event_from_proto(segment_json.event_from_json(message))
    except segment_json.SegmentJsonError as exc:
        name = "" if exc.field == "message" else exc.field
        reason = "INVALID_VALUE" if name == "type" else "INVALID_TYPE"
        raise EventInvalid(reason, name, str(exc).partition(": ")[2]) from None
    except ValueError:  # a lone surrogate escape: text protobuf (and so IngestEvents) cannot carry
        raise EventInvalid("INVALID_VALUE", "", "holds text that is not valid Unicode") from None


def _too_deep(message: Any) -> bool:
    """Walks the containers only, without recursion (a deep document must not exhaust the stack)."""
    stack: list[tuple[Any, int]] = [(message, 0)] if isinstance(message, dict | list) else []
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _message_id(message: Any) -> str:
    message_id = message.get("messageId") if isinstance(message, Mapping) else None
    return message_id if isinstance(message_id, str) else ""


def _renumber(result: EventResult, index: int) -> EventResult:
    """The handler numbered the convertible messages only; give back the request's numbering."""
    if result.index == index:
        return result
    old, new = f"events[{result.index}]", f"events[{index}]"
    return replace(
        result,
        index=index,
        field=result.field.replace(old, new, 1),
        description=result.description.replace(old, new, 1),
    )


def _result_json(result: EventResult) -> dict[str, Any]:
    return {
        "index": result.index,
        "messageId": result.message_id,
        "status": STATUS_NAMES[result.status],
        "reason": result.reason,
        "field": result.field,
    }


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_large() -> HttpError:
    return HttpError(413, "BODY_TOO_LARGE", f"the body is larger than {MAX_BODY} bytes")
