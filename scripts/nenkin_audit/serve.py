"""`serve`: start the Streamlit dashboards (dashboards/app.py) on the published mart of a home.

Every page needs a login: the users file (`nenkin-audit user add`) or, with
NENKIN_AUDIT_AUTH=proxy, the identity a trusted reverse proxy puts in a header (README)."""

from __future__ import annotations

import os
import subprocess
import sys

from .errors import UserError
from .home import HOME_ENV, Home, project_dir
from .users import USERS_FILE_ENV, list_users, users_file

AUTH_ENV = "NENKIN_AUDIT_AUTH"


def serve(home: Home) -> int:
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
    app = project_dir() / "dashboards" / "app.py"
    env = {**os.environ, HOME_ENV: str(home.root), USERS_FILE_ENV: str(path)}
    # Streamlit reads its own settings (STREAMLIT_SERVER_PORT etc.) from the environment.
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
    if mode == "proxy" and "STREAMLIT_SERVER_ADDRESS" not in os.environ:
        # identity headers are trusted: only the proxy on this machine may reach the server
        cmd += ["--server.address", "127.0.0.1"]
    return subprocess.call(cmd, env=env)
