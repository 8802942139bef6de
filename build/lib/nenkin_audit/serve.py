"""`serve`: start the Streamlit dashboards (dashboards/app.py) on the published mart of a home.

Every page needs a login: the users file (`nenkin-audit user add`) or, with
NENKIN_AUDIT_AUTH=proxy, the identity a trusted reverse proxy puts in a header (README).

Listens on 127.0.0.1 only, unless exposure is asked for explicitly: `serve --address ADDR`, or
Streamlit's own `STREAMLIT_SERVER_ADDRESS` (never in proxy mode, where only the proxy on this
machine may reach the server). Streamlit runs as a child that ends with `serve`: SIGTERM,
SIGINT or SIGHUP to `serve` stop it, and the kernel stops it should `serve` be killed outright
(SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from .children import die_with_parent
from .errors import UserError
from .home import HOME_ENV, Home, project_dir
from .users import USERS_FILE_ENV, list_users, users_file

AUTH_ENV = "NENKIN_AUDIT_AUTH"
DEFAULT_ADDRESS = "127.0.0.1"
ADDRESS_ENV = "STREAMLIT_SERVER_ADDRESS"


def streamlit_command(address: str | None, *, proxy: bool = False) -> list[str]:
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
        "--client.toolbarMode",
        "minimal",  # no Deploy button, no developer menu
        "--client.showErrorDetails",
        "false",  # no tracebacks to users
        "--server.fileWatcherType",
        "none",
    ]
    if proxy:
        # identity headers are trusted: only the proxy on this machine may reach the server
        if address not in (None, DEFAULT_ADDRESS):
            raise UserError(
                f"{AUTH_ENV}=proxy trusts identity headers, so the dashboards listen on "
                f"{DEFAULT_ADDRESS} only: drop --address (the proxy on this machine exposes them)"
            )
        return [*cmd, "--server.address", DEFAULT_ADDRESS]
    # Streamlit reads its own settings (STREAMLIT_SERVER_PORT etc.) from the environment; a
    # command-line flag would override STREAMLIT_SERVER_ADDRESS, so it is set only without it.
    if address is not None or not os.environ.get(ADDRESS_ENV):
        cmd += ["--server.address", address or DEFAULT_ADDRESS]
    return cmd


def serve(home: Home, *, address: str | None = None) -> int:
    mode = os.environ.get(AUTH_ENV, "password")
    if mode not in ("password", "proxy"):
        raise UserError(f"{AUTH_ENV}={mode!r}: use 'password' (default) or 'proxy'")
    path = users_file(home)
    if mode == "password" and not list_users(path):
        raise UserError(
            f"no dashboard users in {path}: add one with "
            "`nenkin-audit user add NAME --role manager|reviewer|auditor` "
            "(the password is read from standard input)"
        )
    if not home.published.is_file():
        print(
            f"warning: nothing published yet in {home.root}; the pages say so until "
            "`nenkin-audit run --inbox DIR` (or `nenkin-audit demo`) publishes a mart",
            file=sys.stderr,
        )
    env = {**os.environ, HOME_ENV: str(home.root), USERS_FILE_ENV: str(path)}
    if mode == "proxy":
        env.pop(ADDRESS_ENV, None)
    child = subprocess.Popen(
        streamlit_command(address, proxy=mode == "proxy"),
        env=env,
        preexec_fn=die_with_parent(signal.SIGTERM),
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
