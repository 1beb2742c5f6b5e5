"""python -m cdp.ingestion: run the ingestion service (and its relay to identity) from the environment."""

from __future__ import annotations

import os

from cdp import telemetry
from cdp.grpcx.runtime import serve_until_signalled
from cdp.ingestion.bootstrap import bootstrap
from cdp.ingestion.server import build_server
from cdp.ingestion.settings import Settings


def main() -> None:
    telemetry.setup("ingestion", os.environ)
    settings = Settings.from_env(os.environ)
    app = bootstrap(settings)
    server, _port, health = build_server(app, settings.common.address, settings.common.verifier())
    app.start_relay()
    try:
        serve_until_signalled(
            server, "ingestion", settings.common.address, on_stop=health.enter_graceful_shutdown
        )
    finally:
        app.stop()


if __name__ == "__main__":
    main()
