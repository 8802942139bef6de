"""Benchmark of the loader at city scale: an inbox loaded into a fresh warehouse, then loaded again
(the idempotent no-op re-run of a scheduled job).

Writes `bench-results/load.json`: files, rows, bytes, wall time, rows/s, MB/s, the loader
process's CPU time and peak RSS (and the machine's load average: on a shared machine wall
time depends on what else runs, CPU time much less).

    python -m pytest tests/benchmarks/bench_load.py -m benchmark      # city scale (see below)
    python tests/benchmarks/bench_load.py --inbox DIR                 # an existing inbox
    python tests/benchmarks/bench_load.py --days 20 --rows 100000     # a smaller synthetic one

Without `--inbox`, a synthetic inbox of access logs is generated: `--days` daily files of
`--rows` lines each (city scale, docs/raw-interface.md §5: 245 working days of ~100,000 lines), in the
exact raw-interface format, with Japanese text, empty fields and a quoted field now and then.
With `--city`, the project's generator (`nenkin_audit.generate.generate_city`) makes a whole
city instead. Environment variables BENCH_LOAD_INBOX, BENCH_LOAD_DAYS, BENCH_LOAD_ROWS and
BENCH_LOAD_CITY set the same for the pytest entry."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from nenkin_audit.rawfile import write_extract
from nenkin_audit.spec import file_name

REPO = Path(__file__).resolve().parents[2]

# A generated city's 245 working days run into 2027: its files and rows must not count as
# "in the future" of the run clock (clock.py), so the benchmark runs on a clock after them.
os.environ.setdefault("NENKIN_AUDIT_RUN_DATE", "2028-12-31")
RESULTS = REPO / "bench-results" / "load.json"


def synthetic_access_log(day: int, rows: int, seed: int) -> pl.DataFrame:
    """One day of access-log lines (vectorised): staff, terminals, subjects with 4情報."""
    rng = np.random.default_rng([seed, day])
    date = dt.date(2024, 4, 1) + dt.timedelta(days=day)
    secs = np.sort(rng.integers(8 * 3600, 20 * 3600, rows))
    staff = rng.integers(0, 400, rows)
    subject = rng.integers(0, 1_400_000, rows)
    op = rng.choice(["01", "01", "01", "02", "03", "04", "05"], rows)
    single = op != "03"
    family = np.array(["山田", "佐藤", "鈴木", "髙橋", "田中", "渡邊", "伊藤", "中村"])
    given = np.array(["太郎", "花子", "一郎", "﨑子", "美咲", "健", "翔太", "陽菜"])
    wards = np.array(["西区", "北区", "大宮区", "見沼区", "中央区", "桜区", "浦和区", "南区"])
    quoted = rng.random(rows) < 0.001  # an address with a comma: the csv-module path
    chome = np.char.add((subject % 9 + 1).astype(str), "丁目")
    address = np.char.add(np.char.add("さいたま市", wards[subject % 8]), chome)
    address = np.where(quoted, np.char.add(address, ",別棟"), address)
    shimei = np.char.add(np.char.add(family[subject % 8], "\u3000"), given[subject // 8 % 8])
    return pl.DataFrame(
        {
            "log_id": [f"{date:%Y%m%d}{i:07d}" for i in range(rows)],
            "accessed_at": [
                f"{date} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in secs.tolist()
            ],
            "staff_id": [f"S{s:05d}" for s in staff.tolist()],
            "dept_code": [f"K{s % 10 + 1:02d}" for s in staff.tolist()],
            "terminal_id": [f"T{s % 120:04d}" for s in staff.tolist()],
            "shori_jiyu": rng.choice(["01", "02", "03", "04", "06", "07", "08"], rows),
            "operation": op,
            "screen_id": rng.choice(["NK001", "NK002", "AT010", "MJ003"], rows),
            "atena_no": np.where(single, [f"{s:010d}" for s in subject.tolist()], ""),
            "hit_count": np.where(single, "", rng.integers(1, 500, rows).astype(str)),
            "subj_shimei": np.where(single, shimei, ""),
            "subj_sex": np.where(single, (subject % 2 + 1).astype(str), ""),
            "subj_birth_date": np.where(
                single,
                [f"{1940 + s % 60}-{s % 12 + 1:02d}-{s % 28 + 1:02d}" for s in subject.tolist()],
                "",
            ),
            "subj_address": np.where(single, address, ""),
        }
    )


def make_inbox(inbox: Path, *, days: int, rows: int, seed: int = 1) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    for day in range(days):
        date = (dt.date(2024, 4, 1) + dt.timedelta(days=day)).strftime("%Y%m%d")
        path = inbox / file_name("access_log", date, 1)
        if not path.exists():
            write_extract(synthetic_access_log(day, rows, seed), "access_log", path)


def make_city(inbox: Path) -> None:
    from nenkin_audit.generate import generate_city

    generate_city(inbox, persons=1_400_000, days=245, seed=1)


# The loader's own peak memory: VmHWM of its process image. (ru_maxrss of a child is not usable
# here: Linux carries the parent's high-water mark over fork and exec.)
_CHILD = """
import sys
from nenkin_audit.loader.__main__ import main
rc = main(sys.argv[1:])
hwm = [x.split()[1] for x in open("/proc/self/status") if x.startswith("VmHWM:")]
print("VmHWM_kB", hwm[0] if hwm else -1, flush=True)
sys.exit(rc)
"""


def _load_in_child(inbox: Path, warehouse: Path) -> tuple[float, int, float]:
    """Run the loader in its own process: (wall seconds, peak RSS in bytes, CPU seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, "--inbox", str(inbox), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    hwm_kb = -1
    for line in proc.stdout:
        if line.startswith("VmHWM_kB "):
            hwm_kb = int(line.split()[1])
            continue
        lines.append(line.rstrip("\n"))
        print(line, end="", flush=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: some file was rejected (reported, not a failure)
        raise RuntimeError(f"loader failed ({proc.returncode}):\n" + "\n".join(lines[-20:]))
    return wall, hwm_kb * 1024, usage.ru_utime + usage.ru_stime


def run_benchmark(
    *,
    inbox: Path | None,
    days: int,
    rows: int,
    city: bool,
    workdir: Path,
    out: Path = RESULTS,
) -> dict:
    source = f"given: {inbox}"
    gen_seconds = None
    if inbox is None:
        inbox = workdir / "inbox"
        t0 = time.perf_counter()
        if city:
            make_city(inbox)
            source = "generate_city(persons=1_400_000, days=245)"
        else:
            make_inbox(inbox, days=days, rows=rows)
            source = f"synthetic access_log: {days} files x {rows} lines"
        gen_seconds = round(time.perf_counter() - t0, 1)
    # Load a copy, so that the rejected files moved aside do not change the source inbox.
    work_inbox = workdir / "load-inbox"
    if work_inbox.exists():
        shutil.rmtree(work_inbox)
    shutil.copytree(inbox, work_inbox)
    warehouse = workdir / "warehouse.duckdb"
    for p in workdir.glob("warehouse.duckdb*"):
        p.unlink()
    files = sorted(p for p in work_inbox.iterdir() if p.is_file())
    size = sum(p.stat().st_size for p in files)

    wall, rss, cpu = _load_in_child(work_inbox, warehouse)
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    loaded_rows, loaded_files = con.execute(
        "select coalesce(sum(loaded_rows), 0), count(*) filter (where status = 'loaded') "
        "from raw.load_files"
    ).fetchone()
    con.close()
    rerun_wall, rerun_rss, _ = _load_in_child(work_inbox, warehouse)
    load_avg = os.getloadavg()

    result = {
        "benchmark": "load",
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_after": [round(x, 1) for x in load_avg],
        },
        "inbox": source,
        "generate_seconds": gen_seconds,
        "files": len(files),
        "files_loaded": loaded_files,
        "bytes": size,
        "rows": int(loaded_rows),
        "wall_seconds": round(wall, 2),
        "rows_per_second": round(loaded_rows / wall),
        "mb_per_second": round(size / 1e6 / wall, 1),
        "cpu_seconds": round(cpu, 1),
        "rows_per_cpu_second": round(loaded_rows / cpu),
        "peak_rss_mb": round(rss / 2**20),
        "warehouse_mb": round(warehouse.stat().st_size / 2**20),
        "rerun_wall_seconds": round(rerun_wall, 2),
        "rerun_peak_rss_mb": round(rerun_rss / 2**20),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return result


@pytest.mark.benchmark
def test_load_benchmark(tmp_path: Path) -> None:
    given = os.environ.get("BENCH_LOAD_INBOX")
    result = run_benchmark(
        inbox=Path(given) if given else None,
        days=int(os.environ.get("BENCH_LOAD_DAYS", "245")),
        rows=int(os.environ.get("BENCH_LOAD_ROWS", "100000")),
        city=bool(os.environ.get("BENCH_LOAD_CITY")),
        workdir=tmp_path,
    )
    assert result["rows"] > 0 and result["files_loaded"] > 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--inbox", type=Path, help="load this inbox (a copy of it) instead")
    p.add_argument("--days", type=int, default=245, help="synthetic daily files (default 245)")
    p.add_argument("--rows", type=int, default=100_000, help="lines per file (default 100000)")
    p.add_argument("--city", action="store_true", help="generate a city-scale city instead")
    p.add_argument("--workdir", type=Path, help="keep the inbox and warehouse here")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        workdir = args.workdir
        inbox = args.inbox
        if inbox is None and (workdir / "inbox").is_dir() and not args.city:
            make_inbox(workdir / "inbox", days=args.days, rows=args.rows)  # completes it
            inbox = workdir / "inbox"
        run_benchmark(
            inbox=inbox,
            days=args.days,
            rows=args.rows,
            city=args.city,
            workdir=workdir,
            out=args.out,
        )
    else:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            run_benchmark(
                inbox=args.inbox,
                days=args.days,
                rows=args.rows,
                city=args.city,
                workdir=Path(tmp),
                out=args.out,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
