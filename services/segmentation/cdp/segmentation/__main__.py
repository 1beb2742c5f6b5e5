"""python -m cdp.segmentation: serves health and reflection; segment RPCs answer UNIMPLEMENTED until built."""

from __future__ import annotations

import os

from cdp import telemetry
from cdp.grpcx.runtime import CommonSettings, serve_until_signalled
from cdp.grpcx.server import build_server


def main() -> None:
    telemetry.setup("segmentation", os.environ)
    settings = CommonSettings.from_env("segmentation", os.environ)
    server, _port, _health = build_server([], settings.address, settings.verifier())
    serve_until_signalled(
        server, "segmentation", settings.address, exit_with_parent=settings.exit_with_parent
    )


if __name__ == "__main__":
    main()
