"""`python -m cdp.segmentation`: runs the segmentation service configured by environment variables only."""

from __future__ import annotations

import os

from cdp import telemetry
from cdp.config import data_dir
from cdp.grpcx.runtime import ensure_dev_keys, serve_until_signalled
from cdp.segmentation.bootstrap import bootstrap
from cdp.segmentation.server import build_server
from cdp.segmentation.settings import Settings


def main() -> None:
    env = dict(os.environ)
    settings = Settings.from_env(env)
    telemetry.setup("segmentation", env)
    if not settings.common.token_public_key.exists():
        ensure_dev_keys(data_dir(env))  # first run alone in dev; production mounts the keys
    app = bootstrap(settings)
    server, port, _health = build_server(
        app, settings.common.address, settings.common.verifier(), settings.max_workers
    )
    app.start()
    serve_until_signalled(
        server,
        "segmentation",
        f"{settings.common.host}:{port}",
        on_stop=app.close,
        exit_with_parent=settings.common.exit_with_parent,
    )


if __name__ == "__main__":
    main()
