"""python -m cdp.identity: run the identity service (and its relay to profile) from the environment."""

from __future__ import annotations

import os

from cdp import telemetry
from cdp.config import data_dir
from cdp.grpcx.runtime import ensure_dev_keys, serve_until_signalled
from cdp.identity.bootstrap import bootstrap
from cdp.identity.server import build_server
from cdp.identity.settings import SERVICE, Settings


def main() -> None:
    telemetry.setup(SERVICE, os.environ)
    settings = Settings.from_env(os.environ)
    if "CDP_INDEX_KEY_FILE" not in os.environ and not settings.common.index_key_file.exists():
        ensure_dev_keys(
            data_dir(os.environ)
        )  # a lone dev run; `cdp up` and production provide keys
    app = bootstrap(settings)
    server, port, _health = build_server(app, settings.common.address, settings.common.verifier())
    app.start_relay()
    try:
        serve_until_signalled(
            server,
            SERVICE,
            f"{settings.common.host}:{port}",
            exit_with_parent=settings.common.exit_with_parent,
        )
    finally:
        app.stop()


if __name__ == "__main__":
    main()
