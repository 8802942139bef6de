"""`serve`: start the Streamlit dashboards on the published mart of a home."""

from __future__ import annotations

import os
import subprocess
import sys

from .errors import UserError
from .home import HOME_ENV, Home, project_dir


def serve(home: Home) -> int:
    if not home.published.is_file():
        raise UserError(
            f"nothing published yet in {home.root}: run `nenkin-audit run --inbox DIR` "
            "(or `nenkin-audit demo`) first"
        )
    app = project_dir() / "dashboards" / "app.py"
    env = {**os.environ, HOME_ENV: str(home.root)}
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
    ]
    return subprocess.call(cmd, env=env)
