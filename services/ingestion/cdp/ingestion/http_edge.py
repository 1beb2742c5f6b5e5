"""The Segment-compatible HTTP edge: /v1/batch and friends, by write key, into ingest_events."""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from cdp.config.http_edge import WriteKeys
from cdp.errors import CdpError
from cdp.ingestion import http_messages as messages
from cdp.ingestion.http_messages import MAX_BODY, HttpError
from cdp.ingestion.service_layer.handlers import Dependencies
from cdp.ingestion.settings import HttpSettings

log = logging.getLogger("cdp.ingestion.http")

MAX_HEADER_BYTES = 16 * 1024  # privacy.md R24: metadata <= 16 KiB
# A refused body up to this size is read and dropped; a larger one closes the connection.
DRAIN_LIMIT = 2 * MAX_BODY
READ_TIMEOUT = 30.0  # a slow or silent client cannot hold a thread for ever
HEALTH_PATH = "/healthz"
PREFLIGHT = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Content-Encoding",
    "Access-Control-Max-Age": "86400",
}


class HttpEdge:
    """The edge's server and its thread; binds on construction, so the port is known at once."""

    def __init__(self, deps: Dependencies, settings: HttpSettings) -> None:
        keys = WriteKeys(settings.write_keys_file)
        keys.check()  # a malformed keys file stops the start, not the first request
        self._server = _EdgeServer(
            (settings.host, settings.port), deps, keys, settings.allowed_origins
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="http-edge"
        )
        self._thread.start()

    def stop(self, grace: float = 5.0) -> None:
        """Stops accepting, lets requests in flight finish (up to grace seconds), closes."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.drain(grace)
        self._server.server_close()


class _EdgeServer(ThreadingHTTPServer):
    # Idle keep-alive connections must not hold up stop(); requests in flight are drained.
    block_on_close = False
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        deps: Dependencies,
        keys: WriteKeys,
        allowed_origins: tuple[str, ...],
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.deps = deps
        self.keys = keys
        self.allowed_origins = allowed_origins
        self.stopping = False
        self._in_flight = 0
        self._idle = threading.Condition()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's full name; the edge has no use for it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The base prints the client address and a traceback to stderr; neither belongs there.
        log.debug("http edge: a connection failed", exc_info=True)

    def enter(self) -> None:
        with self._idle:
            self._in_flight += 1

    def leave(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def drain(self, grace: float) -> None:
        with self._idle:
            self.stopping = True
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=grace)


class _Handler(BaseHTTPRequestHandler):
    """One connection; state is reset per request (keep-alive reuses the handler)."""

    server: _EdgeServer
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT

    def version_string(self) -> str:
        return "cdp-ingestion"

    def do_GET(self) -> None:
        self._begin()
        if self._path() == HEALTH_PATH:
            self._send(200, {"status": "ok"})
        else:
            self._fail(HttpError(404, "NOT_FOUND", "no such endpoint"))

    def do_OPTIONS(self) -> None:
        self._begin()
        try:
            messages.route(self._path())
            self._check_origin()
        except HttpError as err:
            self._fail(err)
            return
        self._send(204, None, PREFLIGHT)

    def do_POST(self) -> None:
        self._begin()
        self.server.enter()
        try:
            self._send(200, self._ingest())
        except HttpError as err:
            self._fail(err)
        except CdpError as err:
            self._fail(messages.from_cdp_error(err))
        except (TimeoutError, ConnectionError):
            self.close_connection = True  # the client went quiet or away: nobody to answer
        except Exception as exc:
            log.error("unexpected error in the HTTP edge: %s", type(exc).__name__, exc_info=exc)
            self._fail(HttpError(500, "INTERNAL", "the events could not be handled; retry"))
        finally:
            self.server.leave()

    def _ingest(self) -> dict[str, Any]:
        kind = messages.route(self._path())
        self._check_origin()
        messages.check_header_size(self.headers.items(), MAX_HEADER_BYTES)
        source = messages.source_from_header(self.headers.get("Authorization"), self.server.keys)
        document = messages.parse_document(self._read_body())
        if source is None:
            source = messages.source_from_body(document, self.server.keys)
        results = messages.ingest(messages.messages_of(document, kind), source, self.server.deps)
        return messages.response_json(results)

    def _read_body(self) -> bytes:
        length = messages.content_length(self.headers.get("Content-Length"))
        raw = self.rfile.read(length)
        if len(raw) < length:
            raise HttpError(400, "BODY_INCOMPLETE", "the body ended before Content-Length bytes")
        self._body_read = True
        return messages.decode_body(raw, self.headers.get("Content-Encoding", ""))

    def _begin(self) -> None:
        self._body_read = False
        self._cors: dict[str, str] = {}
        if self.server.stopping:
            self.close_connection = True

    def _path(self) -> str:
        # No path yet when the request line itself could not be parsed.
        return urlsplit(getattr(self, "path", "")).path

    def _check_origin(self) -> None:
        allowed = messages.allowed_origin(self.headers.get("Origin"), self.server.allowed_origins)
        if allowed is not None:
            self._cors = {"Access-Control-Allow-Origin": allowed}
            if allowed != "*":
                self._cors["Vary"] = "Origin"

    def _fail(self, err: HttpError) -> None:
        if not self._body_read:
            self._discard_body()
        self._send(err.status, err.body(), err.headers)

    def _discard_body(self) -> None:
        """Reads a refused body (up to DRAIN_LIMIT) so the client gets the answer, not a reset;
        a body left unread would also be taken for the next request on this connection."""
        try:
            remaining = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            remaining = -1
        if "Transfer-Encoding" in self.headers or not 0 <= remaining <= DRAIN_LIMIT:
            self.close_connection = True
            return
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 64 * 1024))
            if not chunk:
                self.close_connection = True
                return
            remaining -= len(chunk)

    def _send(
        self, status: int, payload: dict[str, Any] | None, headers: dict[str, str] | None = None
    ) -> None:
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**self._cors, **(headers or {})}.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Never the client address or the query string: both can be personal data.
        path = self._path()
        known = path if path == HEALTH_PATH or path in messages.ROUTES else "-"
        log.debug("http edge %s %s %s", self.command, known, code)

    def log_message(self, format: str, *args: Any) -> None:
        # The arguments may carry the request line; the format alone says what went wrong.
        log.debug("http edge: %s", format)
