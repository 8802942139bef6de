"""Shared fixtures: one generated city, built once per test session through the real CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class BuiltCity:
    inbox: Path
    truth: Path
    home: Path
    key_file: Path
    stdout: str
    stderr: str
    returncode: int

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.home / "mart.duckdb"

    def dbt_statuses(self) -> dict[str, str]:
        """Status (PASS, FAIL, ERROR, …) of every node the run's dbt builds reported, by name,
        from the home's dbt log (target/run_results.json holds only the last of the builds)."""
        log = (self.home / "logs" / "dbt.log").read_text(encoding="utf-8", errors="replace")
        return {
            m.group(2): m.group(1)
            for m in re.finditer(r"\d+ of \d+ (PASS|FAIL|ERROR|WARN|SKIP|OK)\S* (\S+)", log)
        }


def cli(*args: str, env: dict[str, str] | None = None, check: bool = False):
    """Run the installed `nenkin-audit` command as an operator would."""
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("nenkin-audit")), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"nenkin-audit {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def built_city(tmp_path_factory: pytest.TempPathFactory) -> BuiltCity:
    """A small city with labelled misuse and bad input, generated and run end to end once."""
    from nenkin_audit.home import Home
    from nenkin_audit.keys import ensure_demo_key

    root = tmp_path_factory.mktemp("city")
    inbox = root / "inbox"
    home = root / "home"
    cli(
        "generate",
        "--out",
        str(inbox),
        "--persons",
        "4000",
        "--days",
        "45",
        "--seed",
        "7",
        "--misuse",
        "--bad-input",
        check=True,
    )
    key_file = ensure_demo_key(Home.resolve(home))
    proc = cli(
        "run",
        "--inbox",
        str(inbox),
        "--home",
        str(home),
        env={"NENKIN_AUDIT_KEY_FILE": str(key_file)},
    )
    return BuiltCity(
        inbox=inbox,
        truth=root / "inbox_truth",
        home=home,
        key_file=key_file,
        stdout=proc.stdout,
        stderr=proc.stderr,
        returncode=proc.returncode,
    )


@pytest.fixture(scope="session")
def pg_cluster():
    """A private PostgreSQL 15 cluster for the session (tests/pg_cluster.py), stopped at the end."""
    from tests.pg_cluster import pg_bin, private_cluster

    if pg_bin() is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed: "
            "apt-get install postgresql postgresql-contrib (.ci/run does)"
        )
    with private_cluster() as cluster:
        yield cluster
