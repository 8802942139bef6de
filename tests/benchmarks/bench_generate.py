"""Benchmark of the synthetic city generator (`nenkin_audit.generate.generate_city`).

Generates a city in a child process and records wall time, the child's CPU time and peak RSS
(resource.getrusage in the child, and its VmHWM), rows and bytes per extract and the machine's
load average (on a shared machine wall time depends on what else runs; CPU time much less).
Writes `bench-results/generate.json` and prints the same figures.

    python tests/benchmarks/bench_generate.py                         # docs/raw-interface.md §5
    python tests/benchmarks/bench_generate.py --persons 5000 --days 60
    python -m pytest tests/benchmarks/bench_generate.py -m benchmark  # BENCH_GEN_PERSONS / _DAYS

City scale: 1,400,000 宛名, 245 working days (about 400 staff and 100,000 access-log lines a
working day), with --misuse and --bad-input. The output is deleted afterwards unless --keep."""

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
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench-results" / "generate.json"

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from nenkin_audit.generate import generate_city
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
generate_city(Path(args.pop("out")), progress=lambda m: print(f"{time.perf_counter() - t0:8.1f}s {m}", flush=True), **args)
ru = resource.getrusage(resource.RUSAGE_SELF)
hwm = [x.split()[1] for x in open("/proc/self/status") if x.startswith("VmHWM:")]
print("RESULT " + json.dumps({
    "generate_seconds": time.perf_counter() - t0,
    "cpu_seconds": ru.ru_utime + ru.ru_stime,
    "user_seconds": ru.ru_utime,
    "system_seconds": ru.ru_stime,
    "ru_maxrss_kb": ru.ru_maxrss,
    "vmhwm_kb": int(hwm[0]) if hwm else None,
}), flush=True)
"""


def run_benchmark(
    *,
    persons: int,
    days: int,
    seed: int = 1,
    misuse: bool = True,
    bad_input: bool = True,
    workdir: Path,
    keep: bool = False,
    out: Path = RESULTS,
) -> dict:
    inbox = workdir / "inbox"
    truth = workdir / "inbox_truth"
    for p in (inbox, truth):
        if p.exists():
            shutil.rmtree(p)
    load_before = os.getloadavg()
    args = {
        "out": str(inbox),
        "persons": persons,
        "days": days,
        "seed": seed,
        "misuse": misuse,
        "bad_input": bad_input,
    }
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, json.dumps(args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    child: dict = {}
    tail: list[str] = []
    for line in proc.stdout:
        if line.startswith("RESULT "):
            child = json.loads(line[7:])
            continue
        tail = (tail + [line.rstrip("\n")])[-20:]
        print(line, end="", flush=True)
    rc = proc.wait()
    wall = time.perf_counter() - t0
    if rc != 0 or not child:
        raise RuntimeError(f"generation failed ({rc}):\n" + "\n".join(tail))
    load_after = os.getloadavg()

    manifest = json.loads((truth / "manifest.json").read_text(encoding="utf-8"))
    rows: Counter[str] = Counter()
    files: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for name, info in manifest["files"].items():
        rows[info["extract"]] += info["rows"]
        files[info["extract"]] += 1
        size[info["extract"]] += (inbox / name).stat().st_size
    truth_bytes = {p.name: p.stat().st_size for p in sorted(truth.iterdir())}
    result = {
        "benchmark": "generate",
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": [round(x, 1) for x in load_before],
            "load_average_after": [round(x, 1) for x in load_after],
        },
        "arguments": {k: v for k, v in args.items() if k != "out"},
        "wall_seconds": round(wall, 1),
        "generate_seconds": round(child["generate_seconds"], 1),
        "cpu_seconds": round(child["cpu_seconds"], 1),
        "user_seconds": round(child["user_seconds"], 1),
        "system_seconds": round(child["system_seconds"], 1),
        "peak_rss_mb": round(child["ru_maxrss_kb"] / 1024),
        "vmhwm_mb": round(child["vmhwm_kb"] / 1024) if child.get("vmhwm_kb") else None,
        "files": sum(files.values()),
        "bytes": sum(size.values()),
        "rows": sum(rows.values()),
        "rows_per_second": round(sum(rows.values()) / wall),
        "counts": manifest["counts"],
        "per_extract": {
            e: {"files": files[e], "rows": rows[e], "bytes": size[e]} for e in sorted(rows)
        },
        "truth_bytes": truth_bytes,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not keep:
        shutil.rmtree(inbox, ignore_errors=True)
        shutil.rmtree(truth, ignore_errors=True)
    return result


@pytest.mark.benchmark
def test_generate_benchmark(tmp_path: Path) -> None:
    result = run_benchmark(
        persons=int(os.environ.get("BENCH_GEN_PERSONS", "1400000")),
        days=int(os.environ.get("BENCH_GEN_DAYS", "245")),
        workdir=tmp_path,
    )
    assert result["rows"] > 0 and set(result["per_extract"]) >= {"atena", "access_log", "todokede"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--persons", type=int, default=1_400_000, help="宛名 records (default 1400000)")
    p.add_argument("--days", type=int, default=245, help="working days (default 245)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--plain", action="store_true", help="without --misuse and --bad-input")
    p.add_argument("--workdir", type=Path, help="generate here (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the generated city")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    kw = dict(
        persons=args.persons,
        days=args.days,
        seed=args.seed,
        misuse=not args.plain,
        bad_input=not args.plain,
        keep=args.keep,
        out=args.out,
    )
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        run_benchmark(workdir=args.workdir, **kw)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
            run_benchmark(workdir=Path(tmp), **kw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
