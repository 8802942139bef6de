"""Benchmark of the filings models (reconciliation, lifecycle, exemption cross-check, work list,
suppressed aggregates) at city scale.

A city is generated (`nenkin_audit.generate.generate_city`, default 1,400,000 persons and 245
working days, docs/raw-interface.md §5), loaded, and everything upstream of the filings models is built
(untimed). Then the filings models are built and tested, timed, and dbt's own per-model times
are recorded. When the generator's truth is beside the inbox (`inbox_truth/`), the agreement of
fct_reconciliation with it is measured too, with the target-date shifts beyond the window.
Writes `bench-results/reconciliation.json`.

    python -m pytest tests/benchmarks/bench_reconciliation.py -m benchmark
    python tests/benchmarks/bench_reconciliation.py --persons 200000 --days 60
    python tests/benchmarks/bench_reconciliation.py --workdir /tmp/bench-recon   # keep and reuse

Environment variables BENCH_RECON_PERSONS, BENCH_RECON_DAYS and BENCH_RECON_WORKDIR set the same
for the pytest entry. With a workdir that already holds `inbox/` and `home/warehouse.duckdb`,
generation and loading are skipped."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from nenkin_audit.dbt_build import run_dbt
from nenkin_audit.generate.filings import WINDOW
from nenkin_audit.home import Home
from nenkin_audit.keys import ensure_demo_key
from nenkin_audit.loader import load_inbox

REPO = Path(__file__).resolve().parents[2]
# A generated city's 245 working days run into 2027: its files and rows must not count as
# "in the future" of the run clock (clock.py), so the benchmark runs on a clock after them.
os.environ.setdefault("NENKIN_AUDIT_RUN_DATE", "2028-12-31")
RESULTS = REPO / "bench-results" / "reconciliation.json"
FILINGS = ["path:models/intermediate/filings", "path:models/marts/filings"]
KEY = ("uketsuke_no", "list_id", "row_no", "status", "mismatch_fields", "taisho_date_shift_days")


def _timed(home: Home, args: list[str], key: Path) -> float:
    t0 = time.perf_counter()
    if not run_dbt(home, args, key_file=key):
        raise RuntimeError(f"dbt {' '.join(args)} failed; see {home.logs}")
    return time.perf_counter() - t0


def _model_times(home: Home) -> dict[str, float]:
    results = json.loads((home.dbt_target / "run_results.json").read_text(encoding="utf-8"))
    return {
        r["unique_id"].split(".")[-1]: round(r["execution_time"], 2)
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }


def agreement_with_truth(con: duckdb.DuckDBPyConnection, truth_csv: Path) -> dict:
    """fct_reconciliation against the generator's truth on KEY: rows, agreement, and how many
    results JPS moved beyond the window (truth and built)."""
    with open(truth_csv, newline="", encoding="utf-8") as fh:
        truth = Counter(tuple(r[k] for k in KEY) for r in csv.DictReader(fh))
    built = Counter(
        tuple("" if v is None else str(v) for v in row)
        for row in con.sql(f"select {', '.join(KEY)} from marts.fct_reconciliation").fetchall()
    )
    missing = sum((truth - built).values())
    extra = sum((built - truth).values())
    n_truth = sum(truth.values())

    def beyond(rows: Counter) -> list[int]:
        return [int(k[5]) for k in rows.elements() if k[5] and abs(int(k[5])) > WINDOW]

    shifts = beyond(truth)
    return {
        "truth_rows": n_truth,
        "built_rows": sum(built.values()),
        "missing": missing,
        "extra": extra,
        "agreement_pct": round(100 * (1 - missing / n_truth), 4) if n_truth else None,
        "shifted_beyond_window_truth": len(shifts),
        "shifted_beyond_window_built": len(beyond(built)),
        "largest_shift_days": max((abs(d) for d in shifts), default=None),
    }


def run_benchmark(
    *, persons: int, days: int, seed: int, workdir: Path, out: Path = RESULTS
) -> dict:
    inbox = workdir / "inbox"
    home = Home(workdir / "home").ensure()
    gen_seconds = load_seconds = None
    if not (inbox.is_dir() and home.warehouse.is_file()):
        from nenkin_audit.generate import generate_city

        t0 = time.perf_counter()
        generate_city(inbox, persons=persons, days=days, seed=seed)
        gen_seconds = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        load_inbox(inbox, home.warehouse, progress=print)
        load_seconds = round(time.perf_counter() - t0, 1)
    key = ensure_demo_key(home)
    upstream_seconds = _timed(home, ["seed"], key)
    upstream_seconds += _timed(
        home, ["run", "--select", *[f"+{s}" for s in FILINGS], "--exclude", *FILINGS], key
    )
    run_seconds = _timed(home, ["run", "--select", *FILINGS], key)
    per_model = _model_times(home)
    test_seconds = _timed(home, ["test", "--select", *FILINGS, "path:tests/dbt/filings"], key)

    con = duckdb.connect(str(home.warehouse), read_only=True)
    sizes = dict(
        con.sql(
            "select 'filings', count(*) from staging.stg_nenkin__todokede union all "
            "select 'jps_rows', count(*) from staging.stg_jps__kekka union all "
            "select 'income_rows', count(*) from staging.stg_zei__shotoku union all "
            "select 'fct_reconciliation_rows', count(*) from marts.fct_reconciliation union all "
            "select 'worklist_rows', count(*) from marts.fct_filing_worklist"
        ).fetchall()
    )
    statuses = dict(
        con.sql("select status, count(*) from marts.fct_reconciliation group by status").fetchall()
    )
    truth_csv = workdir / "inbox_truth" / "reconciliation.csv"
    truth = agreement_with_truth(con, truth_csv) if truth_csv.is_file() else None
    con.close()
    result = {
        "benchmark": "reconciliation",
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "city": {"persons": persons, "days": days, "seed": seed},
        "generate_seconds": gen_seconds,
        "load_seconds": load_seconds,
        "upstream_build_seconds": round(upstream_seconds, 1),
        "filings_models_build_seconds": round(run_seconds, 1),
        "filings_tests_seconds": round(test_seconds, 1),
        "model_seconds": per_model,
        "rows": sizes,
        "statuses": statuses,
        "truth": truth,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return result


@pytest.mark.benchmark
def test_reconciliation_benchmark(tmp_path: Path) -> None:
    workdir = Path(os.environ.get("BENCH_RECON_WORKDIR") or tmp_path)
    workdir.mkdir(parents=True, exist_ok=True)
    result = run_benchmark(
        persons=int(os.environ.get("BENCH_RECON_PERSONS", "1400000")),
        days=int(os.environ.get("BENCH_RECON_DAYS", "245")),
        seed=1,
        workdir=workdir,
    )
    assert result["rows"]["filings"] > 0
    assert result["rows"]["fct_reconciliation_rows"] >= result["rows"]["filings"]
    truth = result["truth"]
    if truth is not None:
        assert truth["missing"] == truth["extra"] == 0, truth


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--persons", type=int, default=1_400_000)
    p.add_argument("--days", type=int, default=245)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", type=Path, help="keep (and reuse) the inbox and warehouse here")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        run_benchmark(
            persons=args.persons, days=args.days, seed=args.seed, workdir=args.workdir, out=args.out
        )
    else:
        with tempfile.TemporaryDirectory(prefix="bench-recon-") as tmp:
            run_benchmark(
                persons=args.persons,
                days=args.days,
                seed=args.seed,
                workdir=Path(tmp),
                out=args.out,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
