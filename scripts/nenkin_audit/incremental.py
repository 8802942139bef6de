"""Whether a run builds incrementally or rebuilds everything.

The append-only sources' large staging tables (see the `materialized='incremental'` models)
keep their rows from run to run in the warehouse; a daily run adds the extract dates of the new
files only. That is exact only while the rows already built were built by the same project:
after any change to the models, macros, seeds or dbt_project.yml (a new release, a changed
threshold or code set), or when the operator asks with `run --full-refresh`, everything is
rebuilt. The project's fingerprint at the last complete build is kept in the home
(`build_state.json`); a home without it (a fresh home, or one built by an earlier version) is
rebuilt in full once. A failed run does not update it, so the next run resumes the same way.
The run date is kept too: a run dated before the last complete build (a replay of a past night)
rebuilds in full, since rows rejected as lying in the future are judged again only forwards.

A daily run skips dbt's unit tests: they test the project's code, which is byte for byte the
code whose unit tests passed in the last complete build (the fingerprint says so). Its data tests
all run.

On PostgreSQL the warehouse lives outside the home, so each complete build also gets an id,
kept both in the home and in the database (postgres.run.record_build): a database that does not
hold the home's last build id (a new, restored or rebuilt database, or one another home has
built since) is rebuilt in full."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .home import Home, project_dir

STATE_FILE = "build_state.json"
#: what decides what a build produces (profiles.yml only says where and with how much memory)
PROJECT_PARTS = ("models", "macros", "seeds", "dbt_project.yml")


@dataclass(frozen=True)
class BuildMode:
    full_refresh: bool
    reason: str
    fingerprint: str
    #: the run date of this build
    run_date: date
    #: the id this build gets once it is complete (home and, on PostgreSQL, the database)
    build_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def dbt_args(self) -> list[str]:
        if self.full_refresh:
            return ["--full-refresh"]
        return ["--exclude-resource-type", "unit_test"]


def project_fingerprint(project: Path | None = None) -> str:
    """sha256 over the path and bytes of every file of the project's parts."""
    root = project or project_dir()
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        base = root / part
        files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else [base]
        for path in files:
            if not path.is_file():
                continue
            digest.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _state_path(home: Home) -> Path:
    return home.root / STATE_FILE


def build_mode(
    home: Home,
    *,
    full_refresh: bool,
    today: date,
    warehouse_build_id: Callable[[], str | None] | None = None,
) -> BuildMode:
    """How this run, dated `today`, builds. `warehouse_build_id`: for a warehouse outside the
    home (PostgreSQL), reads the id of the last complete build the warehouse holds."""
    current = project_fingerprint()
    why_full = _why_full_rebuild(home, full_refresh, today, current, warehouse_build_id)
    if why_full is None:
        return BuildMode(False, "incremental: only the new extract dates are added", current, today)
    return BuildMode(True, f"full rebuild{why_full}", current, today)


def _why_full_rebuild(
    home: Home,
    full_refresh: bool,
    today: date,
    fingerprint: str,
    warehouse_build_id: Callable[[], str | None] | None,
) -> str | None:
    """Why this run must rebuild everything (the end of the reason's sentence), or None."""
    if full_refresh:
        return " requested (--full-refresh)"
    try:
        state = json.loads(_state_path(home).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return ": no complete build recorded in this home yet"
    if state.get("project_fingerprint") != fingerprint:
        return ": the dbt project changed since the last build"
    if today.isoformat() < str(state.get("run_date", "")):
        return f": the run date {today} is before the last build's ({state['run_date']})"
    if warehouse_build_id is not None and warehouse_build_id() != state.get("build_id"):
        return (
            ": the warehouse does not hold this home's last build (a new, restored or rebuilt "
            "database, or another home built it since)"
        )
    return None


def record_complete_build(home: Home, mode: BuildMode) -> None:
    """After both dbt builds succeeded: the incremental tables are complete for this project."""
    path = _state_path(home)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {
                "project_fingerprint": mode.fingerprint,
                "build_id": mode.build_id,
                "run_date": mode.run_date.isoformat(),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, path)
