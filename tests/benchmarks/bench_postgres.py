"""Benchmark: the full `nenkin-audit run` of one generated city on both targets, in the same
benchmark run (the host is noisy: only figures measured side by side compare), DuckDB first,
then PostgreSQL 15 on a private cluster (tests/pg_cluster.py: fsync off, like a scratch
server; the DuckDB file is not fsynced per statement either).

Prints and writes `bench-results/postgres.json`: per target the wall time of the whole run and
of each step (load, dbt build, scoring, the scored models, publish), the ratio PostgreSQL /
DuckDB, the size of the inbox, of the warehouse (DuckDB file; pg_database_size) and the number
of rows published.

    python -m pytest tests/benchmarks/bench_postgres.py -m benchmark -s
    python tests/benchmarks/bench_postgres.py --persons 20000 --days 60
    python tests/benchmarks/bench_postgres.py --city INBOX --work DIR   # an already generated city

With --work, each run's output goes to DIR/<target>.log as it runs (`tail -f` it), and the
folder is kept until the next benchmark run wipes it.

Environment variables BENCH_PG_PERSONS and BENCH_PG_DAYS set the city for the pytest entry
(default 20,000 persons, 60 working days; city scale is 1,400,000 and 245)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("NENKIN_AUDIT_RUN_DATE", "2028-12-31")
RESULTS = REPO / "bench-results" / "postgres.json"

STEP_RE = re.compile(r"^   (.+): done in ([0-9.]+)s$", re.M)


def _cli(
    *args: str, env: dict[str, str], log: Path | None = None
) -> tuple[subprocess.CompletedProcess, float]:
    """Run the CLI; its output is captured, and with `log` also written there as it runs."""
    t0 = time.perf_counter()
    cmd = [str(Path(sys.executable).with_name("nenkin-audit")), *args]
    if log is None:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, **env}, cwd=REPO
        )
        return proc, time.perf_counter() - t0
    with open(log, "w", encoding="utf-8") as fh:
        done = subprocess.run(
            cmd, stdout=fh, stderr=subprocess.STDOUT, text=True, env={**os.environ, **env}, cwd=REPO
        )
    text = log.read_text(encoding="utf-8")
    proc = subprocess.CompletedProcess(cmd, done.returncode, stdout=text, stderr="")
    return proc, time.perf_counter() - t0


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _private(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    p.chmod(0o700)
    return p


def bench(
    persons: int,
    days: int,
    seed: int = 1,
    *,
    city: Path | None = None,
    work: Path | None = None,
) -> dict:
    """Both full runs of one city. `city`: an already generated inbox (read only; `persons`
    and `days` then only label the results). `work`: the scratch folder, wiped first and kept
    with each run's log (default: a temporary folder, removed)."""
    from nenkin_audit.keys import write_key
    from tests.pg_cluster import pg_bin, private_cluster

    if pg_bin() is None:
        raise RuntimeError("PostgreSQL server binaries are missing (apt-get install postgresql)")
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    root = work or Path(tempfile.mkdtemp(prefix="bench-postgres-"))
    logs = root if work is not None else None
    try:
        gen_s = 0.0
        if city is not None:
            source = city
        else:
            source = root / "source"
            print(f"generating a city of {persons:,} persons, {days} working days ...", flush=True)
            gen, gen_s = _cli(
                "generate",
                "--out",
                str(source),
                "--persons",
                str(persons),
                "--days",
                str(days),
                "--seed",
                str(seed),
                env={},
            )
            if gen.returncode != 0:
                raise RuntimeError(gen.stderr[-2000:])
        key = write_key(_private(root / "keys") / "bench.key", "bench", os.urandom(32))
        env = {"NENKIN_AUDIT_KEY_FILE": str(key)}
        out: dict = {
            "persons": persons,
            "days": days,
            "inbox_files": sum(1 for _ in source.glob("*.csv")),
            "inbox_bytes": _tree_bytes(source),
            "generate_seconds": round(gen_s, 1),
            "machine": platform.node(),
            "cpus": os.cpu_count(),
        }
        runs: dict[str, dict] = {}

        inbox = root / "duck-inbox"
        shutil.copytree(source, inbox)
        home = _private(root / "duck-home")
        print("full run on DuckDB ...", flush=True)
        load0 = os.getloadavg()[0]
        proc, wall = _cli(
            "run",
            "--inbox",
            str(inbox),
            "--home",
            str(home),
            env=env,
            log=logs and logs / "duckdb.log",
        )
        if proc.returncode != 0:
            raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-2000:])
        runs["duckdb"] = {
            "wall_seconds": round(wall, 1),
            "steps": {k: float(v) for k, v in STEP_RE.findall(proc.stdout)},
            "warehouse_bytes": (home / "warehouse.duckdb").stat().st_size,
            "published_bytes": (home / "mart.duckdb").stat().st_size,
            "loadavg_before": load0,
        }

        with private_cluster() as cluster:
            cluster.create_database("bench")
            inbox = root / "pg-inbox"
            shutil.copytree(source, inbox)
            home = _private(root / "pg-home")
            print("full run on PostgreSQL ...", flush=True)
            load0 = os.getloadavg()[0]
            proc, wall = _cli(
                "run",
                "--target",
                "postgres",
                "--inbox",
                str(inbox),
                "--home",
                str(home),
                env={**env, **cluster.env("bench")},
                log=logs and logs / "postgres.log",
            )
            if proc.returncode != 0:
                raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-2000:])
            con = cluster.connect("bench")
            try:
                cur = con.cursor()
                cur.execute("select pg_database_size('bench')")
                size = int(cur.fetchone()[0])
                cur.execute(
                    "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c "
                    "join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = 'mart' and c.relkind = 'r'"
                )
                mart_size = int(cur.fetchone()[0])
            finally:
                con.close()
            runs["postgres"] = {
                "wall_seconds": round(wall, 1),
                "steps": {k: float(v) for k, v in STEP_RE.findall(proc.stdout)},
                "warehouse_bytes": size,
                "published_bytes": mart_size,
                "loadavg_before": load0,
            }
        out["runs"] = runs
        out["ratio_postgres_to_duckdb"] = round(
            runs["postgres"]["wall_seconds"] / runs["duckdb"]["wall_seconds"], 2
        )
        return out
    finally:
        if work is None:
            shutil.rmtree(root, ignore_errors=True)


def report(result: dict) -> None:
    print(
        f"\ncity: {result['persons']:,} persons, {result['days']} days, "
        f"{result['inbox_files']} files, {result['inbox_bytes'] / 1e6:.1f} MB"
    )
    steps = sorted({s for r in result["runs"].values() for s in r["steps"]})
    print(f"{'step':58} {'duckdb s':>9} {'postgres s':>10}")
    for s in steps:
        d = result["runs"]["duckdb"]["steps"].get(s, float("nan"))
        p = result["runs"]["postgres"]["steps"].get(s, float("nan"))
        print(f"{s[:58]:58} {d:9.1f} {p:10.1f}")
    d, p = result["runs"]["duckdb"], result["runs"]["postgres"]
    print(f"{'whole run (wall)':58} {d['wall_seconds']:9.1f} {p['wall_seconds']:10.1f}")
    print(
        f"warehouse: DuckDB {d['warehouse_bytes'] / 1e6:.1f} MB, PostgreSQL "
        f"{p['warehouse_bytes'] / 1e6:.1f} MB; published: {d['published_bytes'] / 1e6:.1f} MB, "
        f"{p['published_bytes'] / 1e6:.1f} MB"
    )
    print(f"ratio PostgreSQL / DuckDB (whole run): {result['ratio_postgres_to_duckdb']}")


def write(result: dict) -> Path:
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return RESULTS


@pytest.mark.benchmark
def test_full_build_on_both_targets() -> None:
    result = bench(
        int(os.environ.get("BENCH_PG_PERSONS", "20000")),
        int(os.environ.get("BENCH_PG_DAYS", "60")),
    )
    report(result)
    print(f"written: {write(result)}")
    assert result["runs"]["postgres"]["wall_seconds"] > 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=20000, help="persons of the generated city")
    ap.add_argument("--days", type=int, default=60, help="working days of the generated city")
    ap.add_argument("--seed", type=int, default=1, help="the generator's seed")
    ap.add_argument(
        "--city",
        type=Path,
        help="an already generated inbox to run instead of generating one (read only; give "
        "--persons and --days to label the results)",
    )
    ap.add_argument(
        "--work",
        type=Path,
        help="scratch folder, wiped first and kept afterwards with each run's log "
        "(default: a temporary folder, removed)",
    )
    args = ap.parse_args()
    result = bench(args.persons, args.days, args.seed, city=args.city, work=args.work)
    report(result)
    print(f"written: {write(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
