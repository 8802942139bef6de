"""Running dbt (in a child process) against a home: one place that sets the profile, the warehouse path,
the key file, and where dbt writes its target and logs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .children import die_with_parent
from .home import Home, project_dir


def dbt_env(home: Home, key_file: Path | None) -> dict[str, str]:
    env = {
        "NENKIN_AUDIT_WAREHOUSE": str(home.warehouse),
        "DBT_PROFILES_DIR": str(project_dir()),
        "DBT_TARGET_PATH": str(home.dbt_target),
        "DBT_LOG_PATH": str(home.logs),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if key_file is not None:
        env["NENKIN_AUDIT_KEY_FILE"] = str(key_file)
    return env


def run_dbt(
    home: Home, args: Sequence[str], *, key_file: Path | None = None, target: str | None = None
) -> bool:
    """Run one dbt command (e.g. ["build"]) for this home; True when dbt reports success.

    dbt runs in a child process: its global state, logging and DuckDB handles end with it, so the
    warehouse is free for the publisher afterwards, and a crash in dbt cannot take the job down
    half-way through a publish. It dies with its parent (SIGKILL when `run` is killed, even by
    its PID alone), so it never outlives the lock of the run that started it."""
    home.ensure()
    env = {**os.environ, **dbt_env(home, key_file)}
    if not sys.stdout.isatty():
        env.setdefault("DBT_USE_COLORS", "false")
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        *(["--target", target] if target else []),
        "--project-dir",
        str(project_dir()),
        "--profiles-dir",
        str(project_dir()),
    ]
    sys.stdout.flush()
    proc = subprocess.run(cmd, env=env, cwd=project_dir(), preexec_fn=die_with_parent())
    return proc.returncode == 0
