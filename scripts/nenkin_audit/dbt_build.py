"""Running dbt (in a child process) against a home: one place that sets the profile, the warehouse path,
the key file, and where dbt writes its target and logs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .children import die_with_parent
from .home import Home, project_dir
from .postgres.connect import build_session_options


def dbt_env(home: Home, key_file: Path | None, target: str | None = None) -> dict[str, str]:
    """The variables dbt runs with for this home (on top of the process's own)."""
    env = {
        "NENKIN_AUDIT_WAREHOUSE": str(home.warehouse),
        "DBT_PROFILES_DIR": str(project_dir()),
        "DBT_TARGET_PATH": str(home.dbt_target),
        "DBT_LOG_PATH": str(home.logs),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if key_file is not None:
        env["NENKIN_AUDIT_KEY_FILE"] = str(key_file)
    if target == "postgres":
        env["PGOPTIONS"] = build_session_options(os.environ.get("PGOPTIONS"))
    return env


#: a dbt result line: "12 of 450 PASS not_null_… [PASS in 0.1s]" (also START lines)
_RESULT_LINE = re.compile(r"\b(\d+) of (\d+) (START|OK|PASS|WARN|ERROR|FAIL|SKIP)\b")
_PROGRESS_EVERY_S = 30.0
_CLOCK = re.compile(r"^\d\d:\d\d:\d\d\s+")


def run_dbt(
    home: Home,
    args: Sequence[str],
    *,
    key_file: Path | None = None,
    log_file: Path | None = None,
    progress: Callable[[str], None] | None = None,
    target: str | None = None,
) -> bool:
    """Run one dbt command (e.g. ["build"]) for this home; True when dbt reports success.

    dbt runs in a child process: its global state, logging and DuckDB handles end with it, so the
    warehouse is free for the publisher afterwards, and a crash in dbt cannot take the job down
    half-way through a publish. It dies with its parent (SIGKILL when `run` is killed, even by
    its PID alone), so it never outlives the lock of the run that started it.

    With `log_file`, dbt's whole output goes to that file and `progress` gets only a few lines:
    every failure or warning as it happens, "n of N" every 30 s, and dbt's closing tally."""
    home.ensure()
    env = {**os.environ, **dbt_env(home, key_file, target)}
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
    if log_file is None:
        proc = subprocess.run(cmd, env=env, cwd=project_dir(), preexec_fn=die_with_parent())
        return proc.returncode == 0
    env["DBT_USE_COLORS"] = "false"
    return _run_logged(cmd, env, log_file, progress or (lambda _m: None)) == 0


def _run_logged(
    cmd: list[str], env: dict[str, str], log_file: Path, progress: Callable[[str], None]
) -> int:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    last_progress = time.monotonic()
    with (
        open(log_file, "a", encoding="utf-8") as log,
        subprocess.Popen(
            cmd,
            env=env,
            cwd=project_dir(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            preexec_fn=die_with_parent(),
        ) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            text = _CLOCK.sub("", line.rstrip())
            m = _RESULT_LINE.search(text)
            if m and m.group(3) in ("ERROR", "FAIL", "WARN"):
                progress(f"dbt: {text}")
            elif m and time.monotonic() - last_progress >= _PROGRESS_EVERY_S:
                progress(f"dbt: {m.group(1)} of {m.group(2)} …")
                last_progress = time.monotonic()
            elif text.startswith(("Done. PASS=", "Encountered an error")):
                progress(f"dbt: {text}")
        return proc.wait()
