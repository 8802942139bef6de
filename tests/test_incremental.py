"""A daily run ends exactly where a full rebuild ends.

One small generated city (with bad input and misuse) is cut at its last day of access log: a
home runs the files of the days before (a full build), then the last day's files arrive and it
runs again (the daily, incremental run). A second home runs the whole inbox at once (the full
rebuild). Every published relation, and every table of the warehouse's staging, intermediate
and mart schemas, must hold the same rows in both homes: same count, same order-independent
hash (test_run_faults.relation_state). A third run of the first home with `--full-refresh`
must change nothing either."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from .conftest import REPO
from .test_run_faults import relation_state

pytestmark = pytest.mark.slow

CLI = str(Path(sys.executable).with_name("nenkin-audit"))
RUN_DATE = "2026-11-30"
#: schemas of the warehouse compared besides the published file (raw and the ledger are the
#: loader's; the scoring schema is compared through the published marts built on it)
COMPARED_SCHEMAS = {"staging", "intermediate", "marts", "codes"}
DATED = re.compile(r"_(\d{8})_\d+\.")


def _day(name: str) -> str | None:
    m = DATED.search(name)
    return m.group(1) if m else None


def _cut_day(inbox: Path) -> str:
    """The last day of the access log: the day a daily run brings."""
    return max(_day(p.name) for p in inbox.glob("access_log_*") if _day(p.name))


def _run(inbox: Path, home: Path, key_file: Path, *extra: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [CLI, "run", "--inbox", str(inbox), "--home", str(home), *extra],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "NENKIN_AUDIT_KEY_FILE": str(key_file),
            "NENKIN_AUDIT_RUN_DATE": RUN_DATE,
        },
        cwd=REPO,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc


def _state(home: Path) -> dict[str, dict[str, tuple[int, int]]]:
    warehouse = {
        name: value
        for name, value in relation_state(home / "warehouse.duckdb").items()
        if name.split(".", 1)[0] in COMPARED_SCHEMAS
    }
    return {"mart": relation_state(home / "mart.duckdb"), "warehouse": warehouse}


def _differing(got: dict, want: dict) -> dict[str, list[str]]:
    return {
        db: sorted(r for r in set(got[db]) | set(want[db]) if got[db].get(r) != want[db].get(r))
        for db in ("mart", "warehouse")
    }


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from nenkin_audit.generate import generate_city
    from nenkin_audit.home import Home
    from nenkin_audit.keys import ensure_demo_key

    root = tmp_path_factory.mktemp("incremental")
    whole = root / "whole"
    generate_city(whole, persons=800, days=8, seed=21, misuse=True, bad_input=True, progress=None)
    key_file = ensure_demo_key(Home.resolve(root / "keys-home"), announce=False)
    cut = _cut_day(whole)
    # the daily home's inbox: every file before the last day (undated names, which the loader
    # rejects, arrive on the first day too)
    daily_inbox = root / "daily" / "inbox"
    daily_inbox.mkdir(parents=True)
    later = []
    for path in sorted(whole.iterdir()):
        if path.is_file():
            day = _day(path.name)
            if day is not None and day >= cut:
                later.append(path)
            else:
                shutil.copy2(path, daily_inbox / path.name)
    full_inbox = root / "full" / "inbox"
    shutil.copytree(whole, full_inbox)
    return {
        "root": root,
        "key_file": key_file,
        "cut": cut,
        "later": later,
        "daily_inbox": daily_inbox,
        "full_inbox": full_inbox,
    }


@pytest.fixture(scope="module")
def daily_home(city: dict) -> Path:
    """Day N−1 built in full, then day N's files and the daily run."""
    home = city["root"] / "daily" / "home"
    first = _run(city["daily_inbox"], home, city["key_file"])
    assert "full rebuild: no complete build recorded" in first.stdout
    assert city["later"], "the generated city has no files on its last day"
    for path in city["later"]:
        shutil.copy2(path, city["daily_inbox"] / path.name)
    second = _run(city["daily_inbox"], home, city["key_file"])
    assert "incremental: only the new extract dates are added" in second.stdout
    model = Path("nenkin_audit", "models", "staging", "kiban", "base", "base_kiban__access_log.sql")
    city["daily_sql"] = (home / "target" / "run" / model).read_text(encoding="utf-8")
    city["daily_compiled"] = (home / "target" / "compiled" / model).read_text(encoding="utf-8")
    return home


@pytest.fixture(scope="module")
def full_home(city: dict) -> Path:
    home = city["root"] / "full" / "home"
    _run(city["full_inbox"], home, city["key_file"])
    return home


def test_the_daily_run_ends_identical_to_a_full_rebuild(daily_home: Path, full_home: Path) -> None:
    got, want = _state(daily_home), _state(full_home)
    assert len(want["mart"]) >= 20, sorted(want["mart"])
    assert want["warehouse"].get("staging.base_kiban__access_log", (0, 0))[0] > 0
    assert _differing(got, want) == {"mart": [], "warehouse": []}


def test_the_daily_run_added_only_the_new_extract_dates(daily_home: Path, city: dict) -> None:
    """The daily run really was incremental: dbt ran the incremental statement (delete+insert of
    the new extract dates) on the access log's base table, and its newest date is the new day."""
    assert "delete from" in city["daily_sql"].lower()
    assert "new_rows._file_name not in" in city["daily_compiled"]
    con = duckdb.connect(str(daily_home / "warehouse.duckdb"), read_only=True)
    try:
        days = con.execute(
            "select strftime(_extract_date, '%Y%m%d'), count(*) "
            "from staging.base_kiban__access_log group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    assert days[-1][0] == city["cut"] and days[-1][1] > 0
    assert len(days) > 2


def test_a_full_refresh_changes_nothing(daily_home: Path, full_home: Path, city: dict) -> None:
    want = _state(full_home)
    proc = _run(city["daily_inbox"], daily_home, city["key_file"], "--full-refresh")
    assert "full rebuild requested (--full-refresh)" in proc.stdout
    assert _differing(_state(daily_home), want) == {"mart": [], "warehouse": []}
    state = json.loads((daily_home / "build_state.json").read_text(encoding="utf-8"))
    assert len(state["project_fingerprint"]) == 64
