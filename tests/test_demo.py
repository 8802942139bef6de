"""The README's first command: `nenkin-audit demo` generates a small city, runs it, publishes
the mart with its review queue, and says how to add a user and open the dashboards."""

from __future__ import annotations

import stat

import duckdb
import pytest

from .conftest import cli


@pytest.mark.slow
def test_demo_publishes_and_says_what_to_do_next(tmp_path) -> None:
    home = tmp_path / "home"
    proc = cli("demo", "--home", str(home), "--persons", "3000", "--days", "20")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert f"published: {home / 'mart.duckdb'}" in lines
    assert any("user add NAME --role manager" in line for line in lines[-3:])
    assert any(line.rstrip().endswith(f"serve --home {home}") for line in lines[-3:])
    assert "reached the review queue" in proc.stdout
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    with duckdb.connect(str(home / "mart.duckdb"), read_only=True) as con:
        tables = {
            t for (t,) in con.sql("select table_name from information_schema.tables").fetchall()
        }
        assert {"fct_access_cases", "fct_access_flags", "fct_reconciliation"} <= tables
        assert con.sql("select count(*) from fct_access_events").fetchall()[0][0] > 0
