"""`python -m cdp.profile`: runs the profile service (and its relay to segmentation) from the environment."""

from __future__ import annotations

import os

from cdp import telemetry
from cdp.config import data_dir
from cdp.grpcx.runtime import ensure_dev_keys, serve_until_signalled
from cdp.profile.bootstrap import bootstrap
from cdp.profile.server import build_server
from cdp.profile.settings import Settings


def main() -> None:
    env = dict(os.environ)
    settings = Settings.from_env(env)
    telemetry.setup("profile", env)
    if not settings.common.token_public_key.exists():
        ensure_dev_keys(data_dir(env))  # first run alone in dev; production mounts the keys
    app = bootstrap(settings)
    server, port, _health = build_server(
        app, settings.common.address, settings.common.verifier(), settings.max_workers
    )
    app.start_relay()  # segmentation may start later: the relay retries with backoff meanwhile
    serve_until_signalled(
        server,
        "profile",
        f"{settings.common.host}:{port}",
        on_stop=app.close,
        exit_with_parent=settings.common.exit_with_parent,
    )


if __name__ == "__main__":
    main()
