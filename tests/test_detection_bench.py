"""The detection benchmark's harness (tests/benchmarks/bench_detection.py) on a small city:
generation and reuse of the city, and the evaluation against the warehouse interface the
scoring stage publishes (a DuckDB file holding those tables, built here from the city's truth)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))
from bench_detection import prepare_city  # noqa: E402
from detection_eval import evaluate, format_report, summarise  # noqa: E402

SMALL = {"persons": 3000, "days": 12, "staff": 30}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict:
    return prepare_city(tmp_path_factory.mktemp("bench"), "outsourced", 3, **SMALL)


def test_prepare_city_generates_once_and_reuses(city) -> None:
    assert city["generate_seconds"] is not None
    assert city["staff_accounts"] >= 30 and city["lines"] > 0
    files = sorted(city["inbox"].iterdir())
    stamps = [p.stat().st_mtime_ns for p in files]
    again = prepare_city(city["inbox"].parents[1], "outsourced", 3, **SMALL)
    assert again["generate_seconds"] is None
    assert [p.stat().st_mtime_ns for p in sorted(city["inbox"].iterdir())] == stamps
    other = prepare_city(city["inbox"].parents[1], "outsourced", 3, persons=2500, days=12, staff=30)
    assert other["generate_seconds"] is not None
    manifest = json.loads((other["truth"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["persons"] == 2500 and manifest["options"]["staff"] == 30


def test_evaluate_says_what_is_missing(city, tmp_path) -> None:
    r = evaluate(tmp_path / "nohome", city["truth"])
    assert "scoring.cases" in r["missing"] and "warehouse.duckdb not found" in r["messages"][0]
    home = tmp_path / "home"
    home.mkdir()
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.sql("create schema staging")
    con.sql("create table staging.stg_kiban__access_log(log_id varchar, access_date date)")
    con.sql("insert into staging.stg_kiban__access_log values ('1', '2026-04-01')")
    con.sql("create schema intermediate")
    con.sql(
        "create table intermediate.int_audit__access_context"
        "(log_id varchar, dept_code varchar, access_date date)"
    )
    con.close()
    r = evaluate(home, city["truth"])
    assert r["lines"] == 1 and r["modes"] == {} and r["explained"] is None
    assert set(r["missing"]) == {
        "scoring.cases",
        "scoring.case_lines",
        "intermediate.int_audit__access_context",
    }
    assert any("table scoring.cases is missing" in m for m in r["messages"])
    assert any("has no column explanation" in m for m in r["messages"])
    assert "scoring.cases" in format_report("x", r)


def _warehouse(home: Path, truth: Path) -> dict:
    """A warehouse with the scoring interface: three episodes placed at known ranks and days."""
    t = pl.read_csv(truth / "misuse.csv", infer_schema=False)
    eps = t.group_by("episode_id", maintain_order=True).agg(
        pl.col("log_id").first(), pl.col("episode_start").first(), pl.col("scenario").first()
    )
    a, b, c = eps.row(0, named=True), eps.row(1, named=True), eps.row(2, named=True)

    def day(e, plus=0):
        return dt.date.fromisoformat(e["episode_start"]) + dt.timedelta(days=plus)

    home.mkdir(parents=True)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    for s in ("staging", "intermediate", "scoring"):
        con.sql(f"create schema {s}")
    log = pl.DataFrame(
        {
            "log_id": t["log_id"].to_list() + [f"N{i}" for i in range(100)],
            "access_date": [dt.date(2026, 4, 1)] * (t.height + 100),
        }
    )
    con.register("log", log)
    con.sql("create table staging.stg_kiban__access_log as select * from log")
    ctx = log.with_columns(
        dept_code=pl.Series(["K01", "K02"] * ((log.height + 1) // 2))[: log.height],
        explanation=pl.when(pl.col("log_id").str.starts_with("N")).then(pl.lit("E_FILING")),
        has_subject=pl.lit(True),
    )
    con.register("ctx", ctx)
    con.sql("create table intermediate.int_audit__access_context as select * from ctx")
    cases = [
        # case_id, mode, queue_date, kind, score, rank, alerted, lines
        ("C1", "combined", day(a), "browsing", 0.9, 3, True, 1),  # a: caught at 10
        ("C2", "combined", day(b, 2), "browsing", 0.8, 15, True, 1),  # b: caught at 20
        ("C3", "combined", day(c, 8), "browsing", 0.8, 1, True, 1),  # c: too late
        ("C4", "combined", day(a), "volume", 0.7, 1, True, 2),  # a false alarm, rank 1
        ("C5", "rules", day(a), "rule", 0.9, 1, False, 1),  # not alerted
    ]
    con.execute(
        "create table scoring.cases(case_id varchar, mode varchar, queue_date date, "
        "case_kind varchar, risk_score double, queue_rank bigint, alerted boolean, "
        "line_count bigint)"
    )
    con.executemany("insert into scoring.cases values (?, ?, ?, ?, ?, ?, ?, ?)", cases)
    con.execute("create table scoring.case_lines(log_id varchar, case_id varchar)")
    con.executemany(
        "insert into scoring.case_lines values (?, ?)",
        [
            (a["log_id"], "C1"),
            (b["log_id"], "C2"),
            (c["log_id"], "C3"),
            ("N1", "C4"),
            ("N2", "C4"),
            (a["log_id"], "C5"),
        ],
    )
    con.close()
    return {"n_episodes": eps.height, "lines": log.height, "misuse": t.height}


def test_evaluate_scores_episodes_at_their_rank_and_day(city, tmp_path) -> None:
    home = tmp_path / "home"
    w = _warehouse(home, city["truth"])
    r = evaluate(home, city["truth"])
    assert r["missing"] == [] and r["episodes"] == w["n_episodes"] and r["lines"] == w["lines"]
    comb = r["modes"]["combined"]
    n = w["n_episodes"]
    assert comb["recall"] == {"10": 1 / n, "20": 2 / n, "50": 2 / n}
    # @10: C1 (misuse), C3 (misuse, but too late for its episode), C4 (false alarm)
    assert comb["precision"]["10"] == pytest.approx(2 / 3)
    assert comb["precision"]["20"] == pytest.approx(3 / 4)
    assert comb["flag_rate"] == pytest.approx(5 / w["lines"])
    assert r["modes"]["rules"]["recall"]["50"] == 0.0
    assert r["modes"]["rules"]["precision"]["10"] is None
    assert r["modes"]["model"]["flagged_lines"] == 0
    scen = comb["recall_per_scenario"]
    assert set(scen) == set(r["episodes_per_scenario"])
    ex = r["explained"]
    assert ex["share"] == pytest.approx(100 / w["lines"])
    assert ex["min_office_day"] <= ex["median_office_day"] <= 1
    s = summarise({"a": r, "b": r})
    assert s["modes"]["combined"]["recall@20_mean"] == pytest.approx(2 / n)
    assert s["modes"]["combined"]["flag_rate_max"] == pytest.approx(5 / w["lines"])
    text = format_report("outsourced-s3", r)
    assert "recall" in text and "precision" in text and "flag rate" in text
