"""python -m cdp.ingestion: run the ingestion service, its relay to identity and its HTTP edge."""

from __future__ import annotations

import logging
import os

from cdp import telemetry
from cdp.grpcx.runtime import serve_until_signalled
from cdp.ingestion.bootstrap import bootstrap
from cdp.ingestion.http_edge import HttpEdge
from cdp.ingestion.server import build_server
from cdp.ingestion.settings import Settings

log = logging.getLogger("cdp.ingestion")


def main() -> None:
    telemetry.setup("ingestion", os.environ)
    settings = Settings.from_env(os.environ)
    app = bootstrap(settings)
    server, _port, health = build_server(app, settings.common.address, settings.common.verifier())
    edge = HttpEdge(app.deps, settings.http) if settings.http is not None else None
    if edge is not None:
        edge.start()
        # The port alone: the log filter redacts addresses, and CDP_HTTP_PORT=0 needs it reported.
        log.info("ingestion HTTP edge serving on port %d", edge.port)
    app.start_relay()
    try:
        serve_until_signalled(
            server,
            "ingestion",
            settings.common.address,
            on_stop=health.enter_graceful_shutdown,
            exit_with_parent=settings.common.exit_with_parent,
        )
    finally:
        if edge is not None:
            edge.stop()
        app.stop()


if __name__ == "__main__":
    main()
