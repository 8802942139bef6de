"""Benchmark of the dashboard pages: each page of each role rendered (the whole script run,
from the login check to the last element) on an existing home's published mart.

It logs in through the real login form (a user per role is added to a scratch users file with
the real `nenkin-audit user add`), opens every page of the role `--repeat` times and records the
median and the worst render time per page. Writes `bench-results/dashboard.json`.
The target (issue: each page in at most 1.5 s on a city-scale mart) is checked by the pytest
entry.

    python tests/benchmarks/bench_dashboard.py --home /srv/nenkin-home
    BENCH_DASHBOARD_HOME=/srv/nenkin-home python -m pytest tests/benchmarks/bench_dashboard.py -m benchmark"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboards" / "app.py"
TARGET_SECONDS = 1.5
ROLES = {
    "manager": "Bench-Kanri-2026!",
    "reviewer": "Bench-Tenken-2026!",
    "auditor": "Bench-Kansa-2026!",
}


def _add_users(home: Path, users_file: Path) -> None:
    exe = str(Path(sys.executable).with_name("nenkin-audit"))
    for role, password in ROLES.items():
        subprocess.run(
            [exe, "user", "add", f"bench-{role}", "--role", role, "--home", str(home)],
            input=f"{password}\n{password}\n",
            text=True,
            check=True,
            capture_output=True,
            env={**os.environ, "NENKIN_AUDIT_USERS_FILE": str(users_file)},
        )


def measure(home: Path, repeat: int = 3) -> dict[str, dict[str, float]]:
    from streamlit.testing.v1 import AppTest

    from nenkin_audit.users import ROLES as ROLE_PAGES

    with tempfile.TemporaryDirectory() as tmp:
        users_file = Path(tmp) / "auth" / "users.yaml"
        _add_users(home, users_file)
        os.environ["NENKIN_AUDIT_HOME"] = str(home)
        os.environ["NENKIN_AUDIT_USERS_FILE"] = str(users_file)
        results: dict[str, dict[str, float]] = {}
        for role, password in ROLES.items():
            at = AppTest.from_file(str(APP), default_timeout=120).run()
            at.text_input(key="login_user").input(f"bench-{role}")
            at.text_input(key="login_password").input(password)
            at.button[0].click().run()
            for page in ROLE_PAGES[role]:
                times = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    at.switch_page(f"views/{page}.py").run()
                    times.append(time.perf_counter() - t0)
                    assert not at.exception, (page, at.exception)
                results[f"{role}/{page}"] = {
                    "median_s": round(statistics.median(times), 3),
                    "max_s": round(max(times), 3),
                }
    return results


def report(home: Path, results: dict[str, dict[str, float]]) -> Path:
    out = REPO / "bench-results" / "dashboard.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "home": str(home),
                "mart_bytes": (home / "mart.duckdb").stat().st_size,
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "pages": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return out


@pytest.mark.benchmark
def test_each_page_renders_within_the_target() -> None:
    home = os.environ.get("BENCH_DASHBOARD_HOME")
    if not home:
        pytest.skip("set BENCH_DASHBOARD_HOME to a home with a city-scale published mart")
    results = measure(Path(home))
    report(Path(home), results)
    slow = {k: v for k, v in results.items() if v["median_s"] > TARGET_SECONDS}
    assert not slow, slow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.home.resolve(), args.repeat)
    for page, r in results.items():
        print(f"{page:32s} median {r['median_s']:.3f}s  max {r['max_s']:.3f}s")
    print(f"written: {report(args.home.resolve(), results)}")


if __name__ == "__main__":
    main()
