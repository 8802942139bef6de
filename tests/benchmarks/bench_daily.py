"""Benchmark of the scheduled run at city scale: a full run from an empty home, then the daily
run that brings one new day, with the single-pass floor measured in the same benchmark run.

1. A scratch inbox of hard links to every file of a city's inbox dated before its last day of
   access log (day N−1 and earlier); the city's inbox itself is never written to.
2. The floor (an external script that reads, decodes and parses every byte of that inbox and
   hashes every distinct 宛名番号 once) runs in a child process from outside the repository.
3. `nenkin-audit run` from an empty home over that inbox: the full run.
4. Hard links to the last day's files (and any later-dated ones) are added: the daily run.

Each run's wall time, the time of each of its steps (from its own output), and the peak memory
of its whole process tree (the sum of VmRSS over `run` and its children, sampled every 0.2 s)
are written to `bench-results/daily.json`, with the targets: daily ≤ 60 s; full ≤ 3× floor;
peak ≤ 8 GB.

    python tests/benchmarks/bench_daily.py --city /work/scratch/city --work /work/scratch/incr/bench
    python -m pytest tests/benchmarks/bench_daily.py -m benchmark   # BENCH_DAILY_CITY, _WORK, _FLOOR

The city inbox (`nenkin-audit generate`, 1.4M 宛名 × 245 days for city scale) must exist.

`--again PREVIOUS` re-measures the daily run alone, without the hour of the full run: on a copy
of the home a previous benchmark run left in PREVIOUS, its last day is taken back (the ledger
rows, the raw rows and the base_ tables' rows of those files and their extract date), the copy is
marked as built by this project, and the same daily run goes again. That is a fair measurement
only for a change that leaves what the full build produces unchanged (the equality tests say
so); any other change needs the whole benchmark. Results: `bench-results/daily-again.json`."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench-results" / "daily.json"
RESULTS_AGAIN = REPO / "bench-results" / "daily-again.json"
CLI = str(Path(sys.executable).with_name("nenkin-audit"))
DATED = re.compile(r"_(\d{8})_\d+\.")
STEP = re.compile(r"^\s+(.+): done in ([0-9.]+)s$", re.M)
#: the generated city's days run into 2027: the run clock stands after all of them
RUN_DATE = "2028-12-31"
TARGETS = {"daily_seconds": 60.0, "full_over_floor": 3.0, "peak_rss_gb": 8.0}


def _day(name: str) -> str | None:
    m = DATED.search(name)
    return m.group(1) if m else None


def _tree_rss(root: int) -> int:
    """Sum of VmRSS (bytes) of `root` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def measured(cmd: list[str], env: dict[str, str], log: Path) -> dict:
    """Run `cmd`, its output to `log`; wall time, peak tree RSS, exit code, step times."""
    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _tree_rss(proc.pid))
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        rc = proc.wait()
        stop.set()
        sampler.join()
    wall = time.perf_counter() - t0
    text = log.read_text(encoding="utf-8", errors="replace")
    return {
        "returncode": rc,
        "wall_seconds": round(wall, 1),
        "peak_rss_gb": round(peak / 1e9, 2),
        "steps": {name: float(s) for name, s in STEP.findall(text)},
        "log": str(log),
    }


def link_files(files: list[Path], inbox: Path) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    for path in files:
        target = inbox / path.name
        if not target.exists():
            os.link(path, target)


def run_benchmark(city: Path, work: Path, floor: Path, key_file: Path | None = None) -> dict:
    files = sorted(p for p in city.iterdir() if p.is_file())
    cut = max(d for p in files if p.name.startswith("access_log_") and (d := _day(p.name)))
    before = [p for p in files if (_day(p.name) or "") < cut]
    later = [p for p in files if (_day(p.name) or "") >= cut]
    if work.exists():
        shutil.rmtree(work)
    inbox, home = work / "inbox", work / "home"
    link_files(before, inbox)
    env = {**os.environ, "NENKIN_AUDIT_RUN_DATE": RUN_DATE}
    if key_file is None:
        from nenkin_audit.home import Home
        from nenkin_audit.keys import ensure_demo_key

        key_file = ensure_demo_key(Home.resolve(work / "keys-home"), announce=False)
    env["NENKIN_AUDIT_KEY_FILE"] = str(key_file)
    result: dict = {
        "city": str(city),
        "cut_day": cut,
        "files_before": len(before),
        "bytes_before": sum(p.stat().st_size for p in before),
        "files_daily": len(later),
        "bytes_daily": sum(p.stat().st_size for p in later),
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "load_avg_start": os.getloadavg(),
    }
    # the floor: from outside the repository, over the same inbox the full run reads, less its
    # empty files (a delivered 0-byte file has no byte to read, and the floor's CSV reader stops
    # on it)
    floor_inbox = work / "floor-inbox"
    link_files([p for p in before if p.stat().st_size > 0], floor_inbox)
    result["floor_files_left_out_empty"] = sum(1 for p in before if p.stat().st_size == 0)
    floor_run = measured(
        [sys.executable, str(floor), "--inbox", str(floor_inbox)],
        {**os.environ},
        work / "floor.log",
    )
    text = (work / "floor.log").read_text(encoding="utf-8")
    m = re.search(r"total ([0-9.]+) s", text)
    floor_run["floor_seconds"] = float(m.group(1)) if m else None
    floor_run["output"] = text.strip()
    result["floor"] = floor_run
    result["full"] = measured(
        [CLI, "run", "--inbox", str(inbox), "--home", str(home)], env, work / "full.log"
    )
    link_files(later, inbox)
    result["daily"] = measured(
        [CLI, "run", "--inbox", str(inbox), "--home", str(home)], env, work / "daily.log"
    )
    result["load_avg_end"] = os.getloadavg()
    floor_s = result["floor"]["floor_seconds"] or float("nan")
    result["full_over_floor"] = round(result["full"]["wall_seconds"] / floor_s, 2)
    result["targets"] = TARGETS
    result["met"] = {
        "daily_seconds": result["daily"]["wall_seconds"] <= TARGETS["daily_seconds"],
        "full_over_floor": result["full_over_floor"] <= TARGETS["full_over_floor"],
        "peak_rss_gb": max(result["full"]["peak_rss_gb"], result["daily"]["peak_rss_gb"])
        <= TARGETS["peak_rss_gb"],
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def _take_back_last_day(warehouse: Path) -> list[str]:
    """Remove the newest extract date's files from a built warehouse: ledger, raw and base_ rows."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        day = con.sql("select max(extract_date) from raw.load_files").fetchall()[0][0]
        files = [
            r[0]
            for r in con.execute(
                "select file_name from raw.load_files where extract_date = ?", [day]
            ).fetchall()
        ]
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and ((table_schema = 'raw' "
            "and table_name <> 'load_files') or (table_schema = 'staging' "
            "and table_name like 'base\\_%' escape '\\'))"
        ).fetchall()
        for schema, table in tables:
            column = "_file_name" if schema == "raw" else "_extract_date"
            value = files if schema == "raw" else [day]
            marks = ", ".join("?" for _ in value)
            con.execute(f"delete from {schema}.{table} where {column} in ({marks})", value)
        marks = ", ".join("?" for _ in files)
        con.execute(f"delete from raw.load_files where file_name in ({marks})", files)
    finally:
        con.close()
    return files


def run_again(previous: Path, work: Path, key_file: Path | None = None) -> dict:
    """The daily run of a previous benchmark run in `previous`, again, on a copy in `work`."""
    sys.path.insert(0, str(REPO / "scripts"))
    from nenkin_audit.incremental import project_fingerprint

    if work.exists():
        shutil.rmtree(work)
    home, inbox = work / "home", work / "inbox"
    shutil.copytree(previous / "home", home, ignore=shutil.ignore_patterns("*.lock", "*.tmp"))
    files = _take_back_last_day(home / "warehouse.duckdb")
    state_file = home / "build_state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state["project_fingerprint"] = project_fingerprint(REPO)
    state_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    offered = previous / "inbox"
    link_files(
        [
            next(
                p
                for d in (offered, offered / "_loaded", offered / "_rejected")
                if (p := d / n).exists()
            )
            for n in files
        ],
        inbox,
    )
    key = key_file or previous / "keys-home" / "keys" / "pseudonym.key"
    env = {**os.environ, "NENKIN_AUDIT_RUN_DATE": RUN_DATE, "NENKIN_AUDIT_KEY_FILE": str(key)}
    result = {
        "previous": str(previous),
        "files_daily": len(files),
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "load_avg_start": os.getloadavg(),
        "daily": measured(
            [CLI, "run", "--inbox", str(inbox), "--home", str(home)], env, work / "daily.log"
        ),
        "load_avg_end": os.getloadavg(),
        "targets": {"daily_seconds": TARGETS["daily_seconds"]},
    }
    result["met"] = {"daily_seconds": result["daily"]["wall_seconds"] <= TARGETS["daily_seconds"]}
    RESULTS_AGAIN.parent.mkdir(exist_ok=True)
    RESULTS_AGAIN.write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return result


@pytest.mark.benchmark
def test_daily_run_at_city_scale() -> None:
    city = Path(os.environ.get("BENCH_DAILY_CITY", "/work/scratch/city"))
    work = Path(os.environ.get("BENCH_DAILY_WORK", "/work/scratch/incr/bench"))
    floor = Path(os.environ.get("BENCH_DAILY_FLOOR", "/work/shared/bench/floor.py"))
    if not city.is_dir() or not floor.is_file():
        pytest.skip(f"no city inbox at {city} or no floor script at {floor}")
    result = run_benchmark(city, work, floor)
    assert result["full"]["returncode"] == 0 and result["daily"]["returncode"] == 0
    print(json.dumps(result, indent=2, ensure_ascii=False))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--city", type=Path, help="a generated city's inbox (read only)")
    ap.add_argument("--work", type=Path, required=True, help="scratch folder (wiped first)")
    ap.add_argument("--floor", type=Path, default=Path("/work/shared/bench/floor.py"))
    ap.add_argument(
        "--again",
        type=Path,
        metavar="PREVIOUS",
        help="re-measure only the daily run of a previous benchmark run's work folder",
    )
    a = ap.parse_args()
    if a.again is None and a.city is None:
        ap.error("give --city (the whole benchmark) or --again PREVIOUS (the daily run again)")
    if a.again:
        result = run_again(a.again, a.work)
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return result["daily"]["returncode"]
    result = run_benchmark(a.city, a.work, a.floor)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["full"]["returncode"] == 0 and result["daily"]["returncode"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
