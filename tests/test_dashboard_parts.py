"""Parts of the dashboards on real files: the mart reopened after a new publication, the
append-only decisions store, CSV exports with formulas neutralised."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from nenkin_audit import reviews
from nenkin_audit.errors import UserError
from nenkin_audit.exports import log_export, to_safe_csv
from nenkin_audit.users import ROLES, pages_for, password_problem

from .conftest import REPO

sys.path.insert(0, str(REPO / "dashboards"))
import nenkin_ui  # noqa: E402


def _publish(path: Path, value: str) -> None:
    """Publish as `run` does: a new file renamed over the old one."""
    building = path.with_suffix(".building")
    con = duckdb.connect(str(building))
    con.execute("create table t as select ? as v", [value])
    con.close()
    os.replace(building, path)


def test_an_open_dashboard_reads_each_newly_published_mart(tmp_path: Path) -> None:
    path = tmp_path / "mart.duckdb"
    mart = nenkin_ui.Mart(path)
    with pytest.raises(nenkin_ui.NotPublished):
        mart.query("select 1")
    _publish(path, "first")
    assert mart.query("select v from t")["v"].to_list() == ["first"]
    _publish(path, "second")
    assert mart.query("select v from t")["v"].to_list() == ["second"]
    # read-only and unable to read other files
    with pytest.raises(duckdb.Error):
        mart.query("create table x as select 1")
    with pytest.raises(duckdb.Error):
        mart.query(f"select * from read_csv('{REPO / 'README.md'}')")


def test_decisions_are_appended_and_never_updated(tmp_path: Path) -> None:
    store = tmp_path / "reviews.duckdb"
    assert reviews.history(store).height == 0
    first = reviews.record(store, "C-20260101-0001", "要確認", "上長に確認中", "sato")
    second = reviews.record(store, "C-20260101-0001", "業務上正当", "申請書を確認", "sato")
    reviews.record(store, "C-20260101-0002", "誤検知", "同姓同名の検索", "kato")
    assert second > first
    hist = reviews.history(store, ["C-20260101-0001"])
    assert hist["disposition"].to_list() == ["要確認", "業務上正当"]
    current = reviews.current(store).sort("case_id")
    assert current["disposition"].to_list() == ["業務上正当", "誤検知"]
    with pytest.raises(UserError, match="not one of"):
        reviews.record(store, "C-20260101-0001", "問題なし", "x", "sato")
    with pytest.raises(UserError, match="reason"):
        reviews.record(store, "C-20260101-0001", "誤検知", "  ", "sato")
    # short-lived connections: nothing holds the file between calls
    con = duckdb.connect(str(store))
    con.close()


def test_csv_export_neutralises_formulas_and_is_logged(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "理由": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "普通の文"],
            "件数": [1, -2, 3, 4, 5, 6, 7],
        }
    )
    text = to_safe_csv(df).decode("utf-8")
    assert text.startswith("\ufeff理由,件数")
    body = text.splitlines()[1:]
    assert body[0] == '"\'=HYPERLINK(""x"")",1'
    assert body[1:4] == ["'+1,-2", "'-2,3", "'@SUM(A1),4"]
    assert "'\tx" in text and "'\rx" in text and "普通の文,7" in text
    log = tmp_path / "logs" / "exports.log"
    log_export(log, "sato", "worklist", df.height)
    entry = json.loads(log.read_text())
    assert entry["user"] == "sato" and entry["export"] == "worklist" and entry["rows"] == 7
    assert entry["at"]


def test_roles_and_password_rules() -> None:
    assert pages_for(["auditor"]) == ["review_record", "controls"]
    assert pages_for(["reviewer"]) == ["access_review", "review_record", "data_quality"]
    assert pages_for(["manager"]) == [
        "filings",
        "reconciliation",
        "data_quality",
        "runs",
        "controls",
    ]
    assert pages_for(["nobody"]) == []
    assert set(ROLES) == {"manager", "reviewer", "auditor"}
    assert password_problem("sato", "short") is not None
    assert password_problem("sato", "sato-Long-2026!") is not None
    assert password_problem("sato", "aaaaaaaaaaaaaaaa") is not None
    assert password_problem("sato", "Password-2026!") is not None
    assert password_problem("sato", "Tenken-2026-Secure!") is None


def test_serve_refuses_to_start_without_a_user(tmp_path: Path) -> None:
    import subprocess

    proc = subprocess.run(
        [str(Path(sys.executable).with_name("nenkin-audit")), "serve", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("NENKIN_AUDIT_")},
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no dashboard users" in proc.stderr and "nenkin-audit user add" in proc.stderr
