"""`serve`: start the Streamlit dashboards on the published mart of a home.

Listens on 127.0.0.1 only, unless exposure is asked for explicitly: `serve --address ADDR`, or
Streamlit's own `STREAMLIT_SERVER_ADDRESS`. Streamlit runs as a child that ends with `serve`:
SIGTERM, SIGINT or SIGHUP to `serve` stop it, and the kernel stops it should `serve` be killed
outright (SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from .children import die_with_parent
from .errors import UserError
from .home import HOME_ENV, Home, project_dir

DEFAULT_ADDRESS = "127.0.0.1"
ADDRESS_ENV = "STREAMLIT_SERVER_ADDRESS"


def streamlit_command(address: str | None) -> list[str]:
    app = project_dir() / "dashboards" / "app.py"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",  # no telemetry from a pension office
    ]
    # Streamlit reads its own settings (STREAMLIT_SERVER_PORT etc.) from the environment; a
    # command-line flag would override STREAMLIT_SERVER_ADDRESS, so it is set only without it.
    if address is not None or not os.environ.get(ADDRESS_ENV):
        cmd += ["--server.address", address or DEFAULT_ADDRESS]
    return cmd


def serve(home: Home, *, address: str | None = None) -> int:
    if not home.published.is_file():
        raise UserError(
            f"nothing published yet in {home.root}: run `nenkin-audit run --inbox DIR` "
            "(or `nenkin-audit demo`) first"
        )
    env = {**os.environ, HOME_ENV: str(home.root)}
    child = subprocess.Popen(
        streamlit_command(address), env=env, preexec_fn=die_with_parent(signal.SIGTERM)
    )

    def stop(signum: int, _frame: object) -> None:
        child.send_signal(signal.SIGTERM)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    try:
        return child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
