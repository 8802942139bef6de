"""Robustness benchmark of misuse detection: one configuration, never retuned per city, over
several office-practice profiles × seeds.

For each profile × seed it generates a city with labelled misuse (`nenkin-audit generate
--misuse --profile P --seed S`), runs `nenkin-audit run` into a home of its own, and evaluates
the warehouse against the truth (tests/benchmarks/detection_eval.py: recall@10/20/50 overall and
per scenario, precision@k, flag rate and share explained, for rules, model and combined). A city
or home already in the work folder with the same arguments is reused (`--fresh` rebuilds).
Prints one table per city and a summary, and writes `bench-results/detection.json`.

    python tests/benchmarks/bench_detection.py                     # 4 profiles × 2 seeds
    python tests/benchmarks/bench_detection.py --profiles worklist --seeds 1 --persons 20000
    python tests/benchmarks/bench_detection.py --generate-only     # cities only
    python tests/benchmarks/bench_detection.py --rescore           # scoring again on built homes
    python -m pytest tests/benchmarks/bench_detection.py -m benchmark

Default cities: 60,000 宛名, 200 staff accounts, 60 working days (about 500,000 log lines and
60-odd misuse episodes each)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from detection_eval import evaluate, format_report, summarise  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench-results" / "detection.json"
WORKDIR = REPO / "bench-results" / "detection-cities"
PROFILES = ("standard", "worklist", "longhours", "outsourced")
SEEDS = (1, 2)


def _cli() -> str:
    return str(Path(sys.executable).with_name("nenkin-audit"))


def prepare_city(
    workdir: Path,
    profile: str,
    seed: int,
    *,
    persons: int,
    days: int,
    staff: int,
    fresh: bool = False,
) -> dict:
    """Generate the city of (profile, seed) into `workdir/<profile>-s<seed>/inbox` unless the
    same city is already there; returns its paths and the generation time (None if reused)."""
    from nenkin_audit.generate import generate_city, truth_dir

    root = Path(workdir) / f"{profile}-s{seed}"
    inbox = root / "inbox"
    truth = truth_dir(inbox)
    want = {"persons": persons, "days": days, "seed": seed}
    options = {"misuse": True, "bad_input": False, "profile": profile, "staff": staff}
    manifest = truth / "manifest.json"
    if fresh and root.exists():
        shutil.rmtree(root)
    seconds = None
    if manifest.is_file():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        same = all(m.get(k) == v for k, v in want.items()) and m.get("options") == options
        if not same:
            shutil.rmtree(root)
    if not manifest.is_file():
        t0 = time.perf_counter()
        generate_city(
            inbox,
            persons=persons,
            days=days,
            seed=seed,
            misuse=True,
            profile=profile,
            staff=staff,
            progress=None,
        )
        seconds = time.perf_counter() - t0
    m = json.loads(manifest.read_text(encoding="utf-8"))
    return {
        "profile": profile,
        "seed": seed,
        "inbox": inbox,
        "truth": truth,
        "home": root / "home",
        "generate_seconds": seconds,
        "lines": m["counts"]["access_log_lines"],
        "staff_accounts": m["counts"]["staff_accounts"],
    }


def run_city(city: dict, *, fresh: bool = False) -> float | None:
    """`nenkin-audit run` of the city into its home (skipped when the home has a warehouse);
    returns the run time, None if reused."""
    from nenkin_audit.home import Home
    from nenkin_audit.keys import ensure_demo_key

    home: Path = city["home"]
    if fresh and home.exists():
        shutil.rmtree(home)
    if (home / "warehouse.duckdb").is_file():
        return None
    key = ensure_demo_key(Home.resolve(home))
    # `run` moves the files it processed out of its inbox: it gets a copy made of hard links,
    # so the generated city stays whole for the next fresh run
    run_inbox = home.parent / "run-inbox"
    shutil.rmtree(run_inbox, ignore_errors=True)
    shutil.copytree(city["inbox"], run_inbox, copy_function=os.link)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [_cli(), "run", "--inbox", str(run_inbox), "--home", str(home)],
        capture_output=True,
        text=True,
        env={**os.environ, "NENKIN_AUDIT_KEY_FILE": str(key)},
        cwd=REPO,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-20:])
        print(f"   ! nenkin-audit run exited {proc.returncode} after {seconds:.0f}s:\n{tail}")
    return seconds


def rescore_city(city: dict) -> float:
    """Only the scoring step again, on a home already built (the scoring code or settings
    changed, the warehouse did not); returns its time."""
    from nenkin_audit.home import Home
    from nenkin_audit.scoring import score_warehouse

    home = Home.resolve(city["home"])
    return score_warehouse(home.warehouse, model_store=home.models).seconds


def run_benchmark(
    *,
    profiles=PROFILES,
    seeds=SEEDS,
    persons: int = 60_000,
    days: int = 60,
    staff: int = 200,
    workdir: Path = WORKDIR,
    out: Path | None = RESULTS,
    generate_only: bool = False,
    fresh: bool = False,
    rescore: bool = False,
) -> dict:
    results: dict[str, dict] = {}
    cities: dict[str, dict] = {}
    for profile in profiles:
        for seed in seeds:
            name = f"{profile}-s{seed}"
            city = prepare_city(
                workdir, profile, seed, persons=persons, days=days, staff=staff, fresh=fresh
            )
            gen = city["generate_seconds"]
            print(
                f"{name}: {city['lines']} lines, {city['staff_accounts']} staff accounts, "
                + (f"generated in {gen:.1f}s" if gen is not None else "city reused"),
                flush=True,
            )
            info = {
                k: str(v) if isinstance(v, Path) else v for k, v in city.items() if k != "profile"
            }
            cities[name] = info
            if generate_only:
                continue
            info["run_seconds"] = run_city(city, fresh=fresh)
            if rescore and info["run_seconds"] is None:
                info["score_seconds"] = rescore_city(city)
            r = evaluate(city["home"], city["truth"])
            results[name] = r
            print(format_report(name, r), flush=True)
    report = {
        "settings": {
            "profiles": list(profiles),
            "seeds": list(seeds),
            "persons": persons,
            "days": days,
            "staff": staff,
        },
        "cities": cities,
        "results": results,
        "summary": summarise(results) if results else None,
    }
    if report["summary"]:
        print("== summary across all cities")
        print(json.dumps(report["summary"], ensure_ascii=False, indent=2))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"written {out}")
    return report


@pytest.mark.benchmark
def test_detection_benchmark() -> None:
    run_benchmark(
        persons=int(os.environ.get("BENCH_DET_PERSONS", 60_000)),
        days=int(os.environ.get("BENCH_DET_DAYS", 60)),
        staff=int(os.environ.get("BENCH_DET_STAFF", 200)),
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--profiles", default=",".join(PROFILES), help="comma-separated profiles")
    p.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="comma-separated seeds")
    p.add_argument("--persons", type=int, default=60_000)
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--staff", type=int, default=200)
    p.add_argument("--workdir", type=Path, default=WORKDIR, help="cities and homes (reused)")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--generate-only", action="store_true", help="generate the cities, no run")
    p.add_argument("--fresh", action="store_true", help="regenerate and rerun every city")
    p.add_argument(
        "--rescore", action="store_true", help="score reused homes again (scoring code changed)"
    )
    a = p.parse_args(argv)
    run_benchmark(
        profiles=tuple(x for x in a.profiles.split(",") if x),
        seeds=tuple(int(x) for x in a.seeds.split(",") if x),
        persons=a.persons,
        days=a.days,
        staff=a.staff,
        workdir=a.workdir,
        out=a.out,
        generate_only=a.generate_only,
        fresh=a.fresh,
        rescore=a.rescore,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
