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
from pathlib import Path

import duckdb
import pytest

from .daily_city import FIRST_BUILD, FULL_REFRESH, INCREMENTAL, DailyCity, cut_city, run
from .test_run_faults import relation_state

pytestmark = pytest.mark.slow

#: schemas of the warehouse compared besides the published file (raw and the ledger are the
#: loader's; the scoring schema is compared through the published marts built on it)
COMPARED_SCHEMAS = {"staging", "intermediate", "marts", "codes"}


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
def city(tmp_path_factory: pytest.TempPathFactory) -> DailyCity:
    from nenkin_audit.home import Home
    from nenkin_audit.keys import ensure_demo_key

    root = tmp_path_factory.mktemp("incremental")
    key_file = ensure_demo_key(Home.resolve(root / "keys-home"), announce=False)
    return cut_city(root, key_file, persons=800, days=8, seed=21, misuse=True, bad_input=True)


#: base_ models with new rows on the last day (every base_ model is incremental)
BASE_MODELS = [
    Path("kiban", "base", "base_kiban__access_log.sql"),
    Path("atena", "base", "base_atena__atena.sql"),
    Path("nenkin", "base", "base_nenkin__todokede.sql"),
]
#: the staged access log, incremental too
STAGED_LOG = Path("kiban", "stg_kiban__access_log.sql")


@pytest.fixture(scope="module")
def daily(city: DailyCity) -> dict:
    """Day N−1 built in full, then day N's files and the daily run."""
    home = city.root / "daily" / "home"
    first = run(city.daily_inbox, home, city.key_file, env=city.first_run_env)
    assert FIRST_BUILD in first.stdout
    city.deliver_the_last_day()
    second = run(city.daily_inbox, home, city.key_file)
    assert INCREMENTAL in second.stdout
    models = Path("nenkin_audit", "models", "staging")
    first_log, daily_log = sorted((home / "runs").glob("*/dbt.log"))
    return {
        "home": home,
        "sql": {
            model: (home / "target" / "run" / models / model).read_text(encoding="utf-8")
            for model in [*BASE_MODELS, STAGED_LOG]
        },
        "compiled": {
            model: (home / "target" / "compiled" / models / model).read_text(encoding="utf-8")
            for model in BASE_MODELS
        },
        "first_stdout": first.stdout,
        "dbt_logs": (
            first_log.read_text(encoding="utf-8"),
            daily_log.read_text(encoding="utf-8"),
        ),
    }


@pytest.fixture(scope="module")
def daily_home(daily: dict) -> Path:
    return daily["home"]


@pytest.fixture(scope="module")
def full_home(city: DailyCity) -> Path:
    home = city.root / "full" / "home"
    run(city.full_inbox, home, city.key_file)
    return home


def test_the_daily_run_ends_identical_to_a_full_rebuild(daily_home: Path, full_home: Path) -> None:
    got, want = _state(daily_home), _state(full_home)
    assert len(want["mart"]) >= 20, sorted(want["mart"])
    assert want["warehouse"].get("staging.base_kiban__access_log", (0, 0))[0] > 0
    assert _differing(got, want) == {"mart": [], "warehouse": []}


def test_the_daily_run_added_only_the_new_extract_dates(
    daily: dict, daily_home: Path, city: DailyCity
) -> None:
    """The daily run really was incremental: dbt ran the incremental statement (delete+insert of
    the new extract dates) on the base tables, the access log's newest date is the new day, and
    the unit tests (of code unchanged since the last build) were not run again."""
    for model in BASE_MODELS:
        assert "delete from" in daily["sql"][model].lower(), model
        assert "new_rows._file_name not in" in daily["compiled"][model], model
    assert "delete from" in daily["sql"][STAGED_LOG].lower()
    first_log, daily_log = daily["dbt_logs"]
    assert " unit_test " in first_log or "unit_test." in first_log
    assert "unit_test" not in daily_log
    con = duckdb.connect(str(daily_home / "warehouse.duckdb"), read_only=True)
    try:
        days = con.execute(
            "select strftime(_extract_date, '%Y%m%d'), count(*) "
            "from staging.base_kiban__access_log group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    assert days[-1][0] == city.cut and days[-1][1] > 0
    assert len(days) > 2


def test_a_line_the_first_run_found_in_the_future_is_staged_by_the_daily_run(
    daily: dict, daily_home: Path, city: DailyCity
) -> None:
    """The first run's clock stood on the day before the cut, so the line stamped on the cut
    day was quarantined (future_date); the daily run's clock has moved on, and the line is
    staged (the full rebuild's staging is the same: the test above)."""
    assert "future_date" in daily["first_stdout"]
    con = duckdb.connect(str(daily_home / "warehouse.duckdb"), read_only=True)
    try:
        staged = con.execute(
            "select count(*) from staging.stg_kiban__access_log where log_id = ?",
            [f"{city.cut}9999999"],
        ).fetchall()
    finally:
        con.close()
    assert staged == [(1,)]


def test_a_late_file_repeating_a_built_line_makes_the_built_line_the_repeat(
    daily_home: Path, city: DailyCity
) -> None:
    """The daily run brings a file of an earlier date repeating a line built under a later
    date: the built line is now the quarantined repeat and the late file's line is staged (the
    full rebuild's staging is the same: the test above)."""
    con = duckdb.connect(str(daily_home / "warehouse.duckdb"), read_only=True)
    try:
        base = con.execute(
            "select _file_name, reject_reason from staging.base_kiban__access_log "
            "where log_id = ? order by _extract_date",
            [city.repeated_log_id],
        ).fetchall()
        staged = con.execute(
            "select _file_name from staging.stg_kiban__access_log where log_id = ?",
            [city.repeated_log_id],
        ).fetchall()
    finally:
        con.close()
    assert len(base) == 2, base
    assert base[0] == (city.repeating_file.name, None)
    assert "duplicate_key" in (base[1][1] or "")
    assert staged == [(city.repeating_file.name,)]


def test_a_full_refresh_changes_nothing(daily_home: Path, full_home: Path, city: DailyCity) -> None:
    want = _state(full_home)
    proc = run(city.daily_inbox, daily_home, city.key_file, "--full-refresh")
    assert FULL_REFRESH in proc.stdout
    assert _differing(_state(daily_home), want) == {"mart": [], "warehouse": []}
    state = json.loads((daily_home / "build_state.json").read_text(encoding="utf-8"))
    assert len(state["project_fingerprint"]) == 64
