"""How a run builds (nenkin_audit.incremental.build_mode), from the home's build state alone: the
first build, a changed project and a run dated before the last complete build rebuild in full;
otherwise the run is incremental and leaves out dbt's unit tests (the code is the code whose unit
tests passed in the last complete build)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from nenkin_audit.home import Home
from nenkin_audit.incremental import build_mode, record_complete_build

DAY = dt.date(2026, 11, 30)


def _built_home(tmp_path: Path) -> Home:
    home = Home(tmp_path)
    first = build_mode(home, full_refresh=False, today=DAY)
    assert first.full_refresh and "no complete build recorded" in first.reason
    assert first.dbt_args() == ["--full-refresh"]
    record_complete_build(home, first)
    return home


def test_a_later_or_same_day_builds_incrementally_without_unit_tests(tmp_path: Path) -> None:
    home = _built_home(tmp_path)
    for day in (DAY, DAY + dt.timedelta(days=1)):
        mode = build_mode(home, full_refresh=False, today=day)
        assert not mode.full_refresh, mode.reason
        assert mode.dbt_args() == ["--exclude-resource-type", "unit_test"]
    assert build_mode(home, full_refresh=True, today=DAY).dbt_args() == ["--full-refresh"]


def test_a_run_dated_before_the_last_build_rebuilds_in_full(tmp_path: Path) -> None:
    home = _built_home(tmp_path)
    mode = build_mode(home, full_refresh=False, today=DAY - dt.timedelta(days=1))
    assert mode.full_refresh
    assert "before the last build's (2026-11-30)" in mode.reason
    record_complete_build(home, mode)
    state = json.loads((tmp_path / "build_state.json").read_text(encoding="utf-8"))
    assert state["run_date"] == "2026-11-29"


def test_a_changed_project_rebuilds_in_full(tmp_path: Path) -> None:
    home = _built_home(tmp_path)
    state_file = tmp_path / "build_state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state_file.write_text(json.dumps({**state, "project_fingerprint": "0" * 64}), "utf-8")
    mode = build_mode(home, full_refresh=False, today=DAY)
    assert mode.full_refresh and "the dbt project changed" in mode.reason
