"""Disclosure control of the dashboard aggregates (macro `suppress_crosstab`).

The macro is compiled by dbt and run on many random cross-tables. An attacker then tries to
recompute every suppressed value from what is published (cells, row totals, column totals,
grand total, all counts ≥ 0) by linear programming: the smallest and largest value each
suppressed count can take. The test passes only when no suppressed value is pinned down.
A control shows the attacker does recover cells when only the small cells are withheld.
"""

from __future__ import annotations

import os
import random
from collections import defaultdict

import duckdb
import numpy as np
import pytest
from scipy.optimize import linprog

from nenkin_audit.dbt_build import dbt_env
from nenkin_audit.home import Home, project_dir

THRESHOLD = 10
ALL = None  # a total's dimension value in the macro's output


def compile_macro(home: Home) -> str:
    """The SQL of suppress_crosstab over a relation `units(p, r, c, person)`, rendered by dbt."""
    from dbt.cli.main import dbtRunner

    home.ensure()
    inline = "{{ suppress_crosstab('units', ['p'], 'r', 'c', 'person') }}"
    old = {k: os.environ.get(k) for k in dbt_env(home, None)}
    os.environ.update(dbt_env(home, None))
    cwd = os.getcwd()
    os.chdir(project_dir())
    try:
        res = dbtRunner().invoke(
            [
                "compile",
                "--inline",
                inline,
                "--quiet",
                "--project-dir",
                str(project_dir()),
                "--profiles-dir",
                str(project_dir()),
            ]
        )
    finally:
        os.chdir(cwd)
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert res.success, res.exception
    return res.result.results[0].node.compiled_code


@pytest.fixture(scope="module")
def macro_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    return compile_macro(Home(tmp_path_factory.mktemp("suppression-home")))


def random_units(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """Units of 1–3 partitions of an R × C table with many small, some zero, some large cells;
    a few persons have several units."""
    units = []
    for p in range(rng.randint(1, 3)):
        n_rows, n_cols = rng.randint(1, 6), rng.randint(2, 6)
        for i in range(n_rows):
            for j in range(n_cols):
                kind = rng.random()
                n = 0 if kind < 0.2 else rng.randint(1, 9) if kind < 0.6 else rng.randint(10, 40)
                for u in range(n):
                    # every fourth unit belongs to the person of the unit before it
                    person = f"{p}-{i}-{j}-{u - 1 if u % 4 == 3 else u}"
                    units.append((f"P{p}", f"r{i}", f"c{j}", person))
    return units


def run_macro(sql: str, units: list[tuple[str, str, str, str]]) -> list[dict]:
    con = duckdb.connect()
    con.execute("create table units (p varchar, r varchar, c varchar, person varchar)")
    con.executemany("insert into units values (?, ?, ?, ?)", units)
    return con.sql(sql).pl().to_dicts()


def true_counts(units) -> dict[tuple, int]:
    counts: dict[tuple, int] = defaultdict(int)
    for p, r, c, _ in units:
        for key in ((p, r, c), (p, r, ALL), (p, ALL, c), (p, ALL, ALL)):
            counts[key] += 1
    return counts


def attack(table: dict[tuple, int | None]) -> dict[tuple, tuple[float, float]]:
    """For one partition {(row, col): published count or None}: the range each suppressed value
    can take given every line sum (row/column totals, totals of totals) and counts ≥ 0."""
    unknown = [k for k, v in table.items() if v is None]
    if not unknown:
        return {}
    index = {k: i for i, k in enumerate(unknown)}
    rows = {r for r, _ in table if r is not ALL}
    cols = {c for _, c in table if c is not ALL}
    eqs, rhs = [], []

    def line(members: list[tuple], total: tuple) -> None:
        a = np.zeros(len(unknown))
        b = 0.0
        for k in members:
            if table[k] is None:
                a[index[k]] += 1
            else:
                b -= table[k]
        if table[total] is None:
            a[index[total]] -= 1
        else:
            b += table[total]
        if a.any():
            eqs.append(a)
            rhs.append(b)

    for r in [*rows, ALL]:
        line([(r, c) for c in cols], (r, ALL))
    for c in [*cols, ALL]:
        line([(r, c) for r in rows], (ALL, c))
    a_eq, b_eq = np.array(eqs), np.array(rhs)
    ranges = {}
    for k, i in index.items():
        objective = np.zeros(len(unknown))
        objective[i] = 1
        lo = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0, lo.message
        assert hi.status in (0, 3), hi.message  # 3: unbounded above (a value and its totals)
        ranges[k] = (lo.fun, -hi.fun if hi.status == 0 else float("inf"))
    return ranges


def published_tables(out: list[dict]) -> dict[str, dict[tuple, int | None]]:
    tables: dict[str, dict[tuple, int | None]] = defaultdict(dict)
    for row in out:
        tables[row["p"]][(row["row_value"], row["column_value"])] = row["published_count"]
    return tables


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_count_can_be_recomputed(macro_sql: str, seed: int) -> None:
    rng = random.Random(seed)
    units = random_units(rng)
    out = run_macro(macro_sql, units)
    truth = true_counts(units)
    for row in out:
        key = (row["p"], row["row_value"], row["column_value"])
        assert row["unit_count"] == truth.get(key, 0)
        published = row["published_count"]
        assert row["is_suppressed"] == (published is None)
        if published is not None:
            assert published == truth.get(key, 0)
            assert not 1 <= row["person_count"] < THRESHOLD, row
    for part, table in published_tables(out).items():
        for cell, (lo, hi) in attack(table).items():
            true = truth.get((part, *cell), 0)
            assert lo - 1e-6 <= true <= hi + 1e-6
            assert hi - lo >= 1 - 1e-6, f"{part} {cell}: recomputed as {lo}..{hi} (true {true})"


def test_attack_recovers_cells_when_only_small_cells_are_withheld(macro_sql: str) -> None:
    """Control: withholding just the primary cells lets the attacker recompute them, so the
    test above would catch a macro without complementary suppression."""
    units = random_units(random.Random(7))
    out = run_macro(macro_sql, units)
    truth = true_counts(units)
    naive: dict[str, dict[tuple, int | None]] = defaultdict(dict)
    for row in out:
        value = None if row["is_primary"] else row["unit_count"]
        naive[row["p"]][(row["row_value"], row["column_value"])] = value
    recovered = [
        (part, cell)
        for part, table in naive.items()
        for cell, (lo, hi) in attack(table).items()
        if hi - lo < 1e-6 and abs(lo - truth.get((part, *cell), 0)) < 1e-6
    ]
    assert recovered, "the attacker found nothing: the control scenario is not informative"


def test_complementary_suppression_keeps_most_values(macro_sql: str) -> None:
    """The rectangle choice prefers inner cells: totals are rarely withheld when cells are not
    small (utility guard, so the safety above is not bought by suppressing everything)."""
    rng = random.Random(11)
    units = []
    for i in range(8):
        for j in range(8):
            n = rng.randint(3, 9) if (i + j) % 7 == 0 else rng.randint(12, 30)
            units += [("P", f"r{i}", f"c{j}", f"{i}-{j}-{u}") for u in range(n)]
    out = run_macro(macro_sql, units)
    totals = [r for r in out if r["grouping_level"] != "cell"]
    assert any(r["is_primary"] for r in out)
    assert not any(r["is_suppressed"] for r in totals)
