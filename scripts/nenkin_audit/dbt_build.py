"""Running dbt in-process against a home: one place that sets the profile, the warehouse path,
the key file, and where dbt writes its target and logs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def _environ(values: dict[str, str]):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_dbt(home: Home, args: Sequence[str], *, key_file: Path | None = None) -> bool:
    """Run one dbt command (e.g. ["build"]) for this home; True when dbt reports success."""
    from dbt.cli.main import dbtRunner

    home.ensure()
    with _environ(dbt_env(home, key_file)):
        cwd = os.getcwd()
        os.chdir(project_dir())
        try:
            result = dbtRunner().invoke(
                [*args, "--project-dir", str(project_dir()), "--profiles-dir", str(project_dir())]
            )
        finally:
            os.chdir(cwd)
    if result.exception is not None:
        raise RuntimeError(f"dbt {' '.join(args)} could not run: {result.exception}")
    return bool(result.success)
