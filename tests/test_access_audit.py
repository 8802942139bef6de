"""The access audit end to end on generated cities of two office practices, with ONE configuration.

Each city is generated with labelled misuse (`<inbox>_truth/misuse.csv`), run through the real
`nenkin-audit run` (load, dbt, scoring, dbt, publish) and judged:

- recall within a week at the daily budget and precision of the queue (the benchmark's own
  evaluation, tests/benchmarks/detection_eval.py) stay within bounds on both practices;
- every hard violation is caught by its hard signal, and a move between two offices (転出 + 転入
  on one day) is never taken for a departure;
- the work-list template is kept where offices work lists, and explains their views;
- the published flags are the lines of the published cases, at most 2 % of the log, with codes
  from the signal catalogue and subjects only as pseudonyms.

The measured figures are printed (pytest -s)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from .benchmarks.detection_eval import evaluate, format_report
from .conftest import cli

PERSONS, STAFF, DAYS, SEED = 20_000, 80, 45, 3
PROFILES = ("standard", "worklist")

#: Bounds on cities of this size, the same for both practices (measured: see the printed
#: report; the benchmark's larger cities are in the README). A small city has few episodes
#: per scenario, so one miss moves recall by several points.
RECALL_AT_20 = 0.8
PRECISION_AT_20 = 0.5
MAX_FLAG_RATE = 0.02

#: the hard signal each hard scenario must be caught by
HARD = {
    "own_household": "H_OWN_HOUSEHOLD",
    "own_record": "H_OWN_HOUSEHOLD",
    "number_display_no_right": "H_NUMBER_WITHOUT_RIGHT",
    "contractor_viewing": "H_CONTRACTOR_PERSON",
    "after_retirement": "H_AFTER_DEPARTURE",
    "after_transfer": "H_AFTER_DEPARTURE",
}


@dataclass(frozen=True)
class City:
    profile: str
    home: Path
    truth: Path
    output: str

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True)
        con.sql(
            "create temp table misuse as select * from read_csv("
            f"'{self.truth / 'misuse.csv'}', all_varchar = true, header = true)"
        )
        return con


@pytest.fixture(scope="module", params=PROFILES)
def city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> City:
    from nenkin_audit.home import Home
    from nenkin_audit.keys import ensure_demo_key

    root = tmp_path_factory.mktemp(f"audit-{request.param}")
    inbox = root / "inbox"
    cli(
        "generate",
        "--out",
        str(inbox),
        "--persons",
        str(PERSONS),
        "--staff",
        str(STAFF),
        "--days",
        str(DAYS),
        "--seed",
        str(SEED),
        "--misuse",
        "--profile",
        request.param,
        check=True,
    )
    home = Home(root / "home").ensure()
    ensure_demo_key(home)
    proc = cli("run", "--inbox", str(inbox), "--home", str(home.root), check=True)
    return City(request.param, home.root, root / "inbox_truth", proc.stdout)


@pytest.mark.slow
def test_detection_holds_on_both_practices(city: City) -> None:
    r = evaluate(city.home, city.truth)
    print("\n" + format_report(city.profile, r))
    assert not r["missing"], r["messages"]
    combined = r["modes"]["combined"]
    assert combined["recall"]["20"] >= RECALL_AT_20
    assert combined["precision"]["20"] >= PRECISION_AT_20
    assert combined["flag_rate"] <= MAX_FLAG_RATE
    # the learned stage is at least as good as either part alone
    assert combined["recall"]["20"] >= r["modes"]["model"]["recall"]["20"]


@pytest.mark.slow
def test_hard_violations_are_caught_by_their_signal(city: City) -> None:
    with city.connect() as con:
        rows = con.sql(
            """
            select m.scenario, m.episode_id, string_agg(distinct c.reasons, ',') as reasons,
                   max(c.departure_lag_days) as lag
            from misuse as m
            left join scoring.case_lines as cl on cl.log_id = m.log_id
            left join scoring.cases as c on c.case_id = cl.case_id and c.mode = 'combined'
            group by m.scenario, m.episode_id
            """
        ).fetchall()
    hard = [(s, e, reasons or "", lag) for s, e, reasons, lag in rows if s in HARD]
    assert hard, "the city holds no hard violation"
    for scenario, episode, reasons, lag in hard:
        assert HARD[scenario] in reasons.split(","), (scenario, episode, reasons)
        if HARD[scenario] == "H_AFTER_DEPARTURE":
            assert lag is not None and lag >= 0


@pytest.mark.slow
def test_a_move_between_offices_is_not_a_departure(city: City) -> None:
    with city.connect() as con:
        moved = con.sql(
            """
            select count(*) from staging.stg_kiban__jinji_ido
            where ido_type = '3' and to_dept is not null
            """
        ).fetchall()[0][0]
        wrongly = con.sql(
            """
            select count(*)
            from intermediate.int_audit__access_context as c
            inner join staging.stg_kiban__jinji_ido as j
                on j.staff_id = c.staff_id and j.ido_type = '3' and j.to_dept is not null
                and c.access_date >= j.effective_date
            where c.is_after_departure and c.personnel_state = 'transferred_out'
                and not exists (
                    select 1 from staging.stg_kiban__jinji_ido as later
                    where later.staff_id = c.staff_id and later.ido_type in ('3', '4', '5')
                        and later.to_dept is null and later.effective_date <= c.access_date
                )
            """
        ).fetchall()[0][0]
    assert moved > 0, "the city has no move between two offices"
    assert wrongly == 0


@pytest.mark.slow
def test_night_batches_and_maintenance_are_not_off_hours_misuse(city: City) -> None:
    """Look-alikes of off-hours work: the information-systems department's night and weekend
    batches and the contractor's evening maintenance lists open no person's record, so they
    never raise an off-hours case."""
    with city.connect() as con:
        batch_cases = con.sql(
            """
            select c.case_kind, d.peer_dept_code, count(*)
            from scoring.cases as c
            inner join intermediate.int_audit__staff_days as d
                on d.staff_id = c.staff_id and d.access_date = c.queue_date
            where c.mode = 'combined' and d.peer_dept_code in ('J01', 'I01')
                and c.case_kind = 'B_RARE_HOUR'
                and not exists (
                    select 1 from scoring.case_lines as cl inner join misuse as m
                        on m.log_id = cl.log_id
                    where cl.case_id = c.case_id
                )
            group by all
            """
        ).fetchall()
        batch_lines = con.sql(
            "select count(*) from intermediate.int_audit__access_context "
            "where dept_code = 'J01' and not is_working_day"
        ).fetchall()[0][0]
    assert batch_lines > 0, "the city has no weekend batch"
    assert batch_cases == []


@pytest.mark.slow
def test_explanations_are_mined_from_the_city(city: City) -> None:
    with city.connect() as con:
        templates = {
            t: (support, lift, kept)
            for t, support, lift, kept in con.sql(
                "select template_code, line_support, lift, is_kept "
                "from intermediate.int_audit__explanation_templates"
            ).fetchall()
        }
        explained = con.sql(
            "select sum(explained_lines) / sum(subject_lines) "
            "from marts.agg_access__explained_share"
        ).fetchall()[0][0]
    print(f"\n{city.profile}: templates {templates}; explained {explained:.3f}")
    assert {"filing_event", "recent_handling", "worklist_session"} <= set(templates)
    assert templates["filing_event"][2], "filings must explain accesses in every city"
    if city.profile == "worklist":
        support, lift, kept = templates["worklist_session"]
        assert kept and support > 0.2 and lift > 3
        assert explained > 0.5


@pytest.mark.slow
def test_published_flags_are_the_lines_of_published_cases(city: City) -> None:
    with duckdb.connect(str(city.home / "mart.duckdb"), read_only=True) as con:
        lines = con.sql("select count(*) from fct_access_events").fetchall()[0][0]
        flags, orphan = con.sql(
            "select count(*), count(*) filter (where c.case_id is null) "
            "from fct_access_flags f left join fct_access_cases c using (case_id)"
        ).fetchall()[0]
        codes = {c for (c,) in con.sql("select signal_code from dim_access_signals").fetchall()}
        reasons = {
            r for (r,) in con.sql("select distinct reasons from fct_access_cases").fetchall()
        }
        pids = [
            p
            for (p,) in con.sql(
                "select subject_pid from fct_access_flags where subject_pid is not null limit 200"
            ).fetchall()
        ]
        budget = con.sql(
            "select max(queue_rank) filter (where in_budget), "
            "min(queue_rank) filter (where not in_budget) from fct_access_cases"
        ).fetchall()[0]
    assert 0 < flags <= MAX_FLAG_RATE * lines and orphan == 0
    assert all(set(r.split(",")) <= codes for r in reasons)
    assert pids and all(re.fullmatch(r"[\w-]+:[0-9a-f]{20}", p) for p in pids)
    assert budget[1] is None or budget[0] is None or budget[0] < budget[1]
    assert "reached the review queue" in city.output
