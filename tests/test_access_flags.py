"""Access-log misuse flags (rule-based stage) on a generated city with labelled misuse.

generate_city(misuse=True) → loader → `dbt build` (everything, as the scheduled job builds it) →
compare int_audit__access_rules and the public fct_access_flags with `<inbox>_truth/misuse.csv`
(log_id, episode_id, scenario, staff_id). What the rules honestly achieve, asserted:

- every misuse episode has at least one flagged line, and the rule meant for its scenario is
  among the rules that fired on it (the generic その他 / browsing rules do not count for that);
- on unlabelled lines the flag rate stays under FALSE_FLAG_BOUND overall, and under
  OTHER_RULES_BOUND for every rule except R_PROTECTED_NO_EVENT (see the bounds' comments);
- the published fct_access_flags holds exactly the flagged lines, scores in (0, 1), codes from
  the catalogue, subjects only as pseudonyms.

The measured recall per scenario and precision per rule are printed (pytest -s)."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from nenkin_audit.dbt_build import run_dbt
from nenkin_audit.home import Home
from nenkin_audit.keys import ensure_demo_key
from nenkin_audit.loader import load_inbox

from .conftest import REPO

PERSONS, DAYS, SEED = 20_000, 75, 4

#: The rule(s) built for each generated scenario: an episode counts as caught by design only when
#: one of these fired on one of its lines.
TARGET_RULES = {
    "curiosity_browsing": {"R_NO_BUSINESS_EVENT"},
    "own_household": {"R_OWN_HOUSEHOLD", "R_OWN_RECORD"},
    "neighbour_lookup": {"R_NEIGHBOUR"},
    "protected_record": {"R_PROTECTED_NO_EVENT"},
    "celebrity_lookup": {"R_MANY_VIEWERS"},
    "off_hours_access": {"R_OFF_HOURS"},
    "bulk_search": {"R_BULK_EXTRACT"},
    "bulk_print": {"R_BULK_EXTRACT"},
    "kojin_no_display": {"R_NUMBER_DISPLAY_BURST"},
    "after_transfer": {"R_INACTIVE_ACCOUNT"},
    "after_retirement": {"R_INACTIVE_ACCOUNT"},
    "contractor_viewing": {"R_CONTRACTOR_PERSONAL_DATA"},
}

#: Flag rate on unlabelled lines, all rules. R_PROTECTED_NO_EVENT flags every unexplained look at
#: a 支援措置 record by policy, and generated consultations reach protected persons (0.3 % of the
#: city) as often as anyone, so about 0.3 % of normal lines are flagged (measured 0.27-0.38 % on
#: cities of 20,000 to 1.4 million 宛名). 0.5 % is 500 lines on a city-scale day of 100,000 lines,
#: what a review team can triage by risk score until the learned stage ranks under a budget.
FALSE_FLAG_BOUND = 0.005
#: The same without R_PROTECTED_NO_EVENT: the other rules look for patterns normal work does not
#: make (measured 0.002-0.011 %, mostly R_NEIGHBOUR: consultations that happen to reach a
#: neighbour); 0.05 % is 50 lines on a city-scale day.
OTHER_RULES_BOUND = 0.0005


@dataclass(frozen=True)
class City:
    home: Home
    truth: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.home.warehouse), read_only=True)
        con.sql(
            "create temp table misuse as select * from read_csv("
            f"'{self.truth / 'misuse.csv'}', all_varchar = true, header = true)"
        )
        return con


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    from nenkin_audit.generate import generate_city

    root = tmp_path_factory.mktemp("flags-city")
    inbox = root / "inbox"
    generate_city(inbox, persons=PERSONS, days=DAYS, seed=SEED, misuse=True, progress=None)
    home = Home(root / "home").ensure()
    load_inbox(inbox, home.warehouse, progress=lambda _line: None)
    key = ensure_demo_key(home)
    assert run_dbt(home, ["build"], key_file=key), "dbt build failed"
    return City(home=home, truth=root / "inbox_truth")


def _rule_columns(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """rule code → its boolean column in int_audit__access_rules."""
    cols = [
        name
        for (name,) in con.sql(
            "select column_name from information_schema.columns "
            "where table_schema = 'intermediate' and table_name = 'int_audit__access_rules' "
            "and column_name like 'r\\_%' escape '\\' order by ordinal_position"
        ).fetchall()
    ]
    return {c.upper(): c for c in cols}


def _catalogue() -> dict[str, float]:
    with open(REPO / "seeds" / "audit" / "audit_rules.csv", newline="", encoding="utf-8") as fh:
        return {row["rule_code"]: float(row["weight"]) for row in csv.DictReader(fh)}


def test_rule_catalogue_weights_are_probabilities() -> None:
    catalogue = _catalogue()
    assert catalogue, "the rule catalogue seed is empty"
    assert all(re.fullmatch(r"R_[A-Z_]+", code) for code in catalogue)
    assert all(0 < w < 1 for w in catalogue.values()), catalogue
    assert set().union(*TARGET_RULES.values()) <= set(catalogue)


@pytest.mark.slow
def test_every_rule_of_the_model_is_in_the_catalogue(city: City) -> None:
    with city.connect() as con:
        rules = _rule_columns(con)
    assert len(rules) >= 10
    assert set(rules) == set(_catalogue())


@pytest.mark.slow
def test_every_episode_is_caught_by_its_rule(city: City) -> None:
    with city.connect() as con:
        rules = _rule_columns(con)
        fired = " || ".join(
            f"case when r.{col} then '{code},' else '' end" for code, col in rules.items()
        )
        rows = con.sql(
            f"select m.scenario, m.episode_id, m.log_id, r.rule_count, {fired} as fired "
            "from misuse as m left join intermediate.int_audit__access_rules as r "
            "on r.log_id = m.log_id"
        ).fetchall()
    assert rows, "the generated city has no labelled misuse"
    missing = [log_id for _s, _e, log_id, count, _f in rows if count is None]
    assert not missing, f"labelled lines missing from the rules model: {missing[:5]}"

    episodes: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"lines": 0, "flagged": 0, "by_target": False}
    )
    for scenario, episode, _log_id, count, fired in rows:
        ep = episodes[(scenario, episode)]
        ep["lines"] += 1
        ep["flagged"] += count > 0
        ep["by_target"] |= bool(set(fired.rstrip(",").split(",")) & TARGET_RULES[scenario])

    scenarios = sorted({s for s, _e in episodes})
    # the seed is chosen so that the city holds every scenario the generator knows
    assert set(scenarios) == set(TARGET_RULES), scenarios
    print("\nrecall per scenario (episodes with a flagged line / by the scenario's rule; lines)")
    for scenario in scenarios:
        eps = [v for (s, _e), v in episodes.items() if s == scenario]
        lines = sum(v["lines"] for v in eps)
        flagged = sum(v["flagged"] for v in eps)
        print(
            f"  {scenario:20s} episodes {sum(v['flagged'] > 0 for v in eps)}/{len(eps)}"
            f" by rule {sum(v['by_target'] for v in eps)}/{len(eps)}"
            f"  lines {flagged}/{lines} = {flagged / lines:.3f}"
        )
    not_flagged = [key for key, v in episodes.items() if v["flagged"] == 0]
    assert not not_flagged, f"episodes without any flagged line: {not_flagged}"
    not_by_rule = [key for key, v in episodes.items() if not v["by_target"]]
    assert not not_by_rule, f"episodes not caught by the rule meant for them: {not_by_rule}"


@pytest.mark.slow
def test_flag_volume_on_unlabelled_lines(city: City) -> None:
    with city.connect() as con:
        rules = _rule_columns(con)
        per_rule = ", ".join(
            f"count(*) filter (where r.{col}) as {col}, "
            f"count(*) filter (where r.{col} and m.log_id is not null) as {col}_misuse"
            for col in rules.values()
        )
        others = " or ".join(
            f"r.{c}" for code, c in rules.items() if code != "R_PROTECTED_NO_EVENT"
        )
        row = con.sql(
            "select count(*) filter (where m.log_id is null) as normal_lines, "
            "count(*) filter (where m.log_id is null and r.rule_count > 0) as normal_flagged, "
            f"count(*) filter (where m.log_id is null and ({others})) as normal_flagged_other, "
            f"{per_rule} "
            "from intermediate.int_audit__access_rules as r "
            "left join misuse as m on m.log_id = r.log_id"
        ).fetchall()[0]
    normal_lines, normal_flagged, normal_other = row[:3]
    counts = row[3:]
    print("\nprecision per rule (labelled misuse among the lines it flags)")
    for i, code in enumerate(rules):
        total, misuse = counts[2 * i], counts[2 * i + 1]
        share = f"{misuse / total:.3f}" if total else "  -  "
        print(f"  {code:31s} {misuse:6d}/{total:<7d} {share}")
    rate, other_rate = normal_flagged / normal_lines, normal_other / normal_lines
    print(
        f"flag rate on unlabelled lines: {normal_flagged}/{normal_lines} = {rate:.5f}; "
        f"without R_PROTECTED_NO_EVENT {normal_other}/{normal_lines} = {other_rate:.6f}"
    )
    assert normal_lines > 50_000
    assert rate < FALSE_FLAG_BOUND
    assert other_rate < OTHER_RULES_BOUND


@pytest.mark.slow
def test_published_flags_are_the_flagged_lines(city: City) -> None:
    catalogue = _catalogue()
    with city.connect() as con:
        flagged = {
            log_id: (count, reasons)
            for log_id, count, reasons in con.sql(
                "select log_id, rule_count, reasons from intermediate.int_audit__access_rules "
                "where rule_count > 0"
            ).fetchall()
        }
        mart = con.sql(
            "select log_id, rule_count, reasons, risk_score, subject_pid, staff_id, accessed_at "
            "from marts.fct_access_flags"
        ).fetchall()
        key_id = con.sql(
            "select max(key_id) from intermediate.int_identity__person_pseudonyms"
        ).fetchall()[0][0]
    assert flagged and len(mart) == len(flagged)
    pid = re.compile(re.escape(key_id) + r":[0-9a-f]{20}")
    for log_id, count, reasons, score, subject_pid, staff_id, accessed_at in mart:
        assert flagged[log_id] == (count, reasons)
        codes = reasons.split(",")
        assert len(codes) == count and set(codes) <= set(catalogue)
        expected = 1.0
        for code in codes:
            expected *= 1 - catalogue[code]
        assert score == pytest.approx(1 - expected) and 0 < score < 1
        assert subject_pid is None or pid.fullmatch(subject_pid)
        assert staff_id and accessed_at is not None


#: Share of labelled lines among the k highest-scored flags, k = the labelled lines flagged:
#: the weights put outright violations and day patterns above lone single-line signals (measured
#: 0.98 on this city, 0.94 on a city of 1.4 million 宛名).
TOP_K_PRECISION_BOUND = 0.8


@pytest.mark.slow
def test_risk_score_ranks_misuse_first(city: City) -> None:
    with city.connect() as con:
        k, hits = con.sql(
            "with flags as ("
            "  select m.log_id is not null as is_misuse,"
            "    row_number() over (order by f.risk_score desc, f.log_id) as score_rank"
            "  from marts.fct_access_flags as f left join misuse as m on m.log_id = f.log_id"
            "), k as (select count(*) filter (where is_misuse) as k from flags) "
            "select k.k, count(*) filter (where is_misuse and score_rank <= k.k) "
            "from flags cross join k group by k.k"
        ).fetchall()[0]
    print(f"\nlabelled among the {k} highest-scored flags: {hits} = {hits / k:.3f}")
    assert k > 0
    assert hits / k >= TOP_K_PRECISION_BOUND
