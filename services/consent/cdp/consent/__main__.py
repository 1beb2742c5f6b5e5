"""python -m cdp.consent: run the consent service from the environment."""

from __future__ import annotations

import os

from cdp import telemetry
from cdp.consent.bootstrap import bootstrap
from cdp.consent.server import build_server
from cdp.consent.settings import Settings
from cdp.grpcx.runtime import serve_until_signalled


def main() -> None:
    telemetry.setup("consent", os.environ)
    settings = Settings.from_env(os.environ)
    app = bootstrap(settings)
    server, _port, _health = build_server(app, settings.common.address, settings.common.verifier())
    app.start()
    serve_until_signalled(
        server,
        "consent",
        settings.common.address,
        on_stop=app.stop,
        exit_with_parent=settings.common.exit_with_parent,
    )


if __name__ == "__main__":
    main()
