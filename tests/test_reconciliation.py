"""Reconciliation, exemption cross-check and filing aggregates end to end on a generated city:
generate_city → loader → dbt (the filings models and everything upstream) → compare with the
generator's ground truth (docs/internal-contracts.md §C): `reconciliation.csv` must agree 100% with
fct_reconciliation on (uketsuke_no, list_id, row_no, status, mismatch_fields), and
`exemption_checks.csv` with the cross-check. The generator moves some JPS target dates by up to a
year (far beyond the window): those results must still be mismatched with their filing, with the
signed shift in taisho_date_shift_days. The SQL income rule must agree with
`nenkin_audit.menjo_rules` on every income record of the city, and the published aggregates
must resist the recomputation attack of test_suppression."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from nenkin_audit import menjo_rules
from nenkin_audit.dbt_build import run_dbt
from nenkin_audit.generate.filings import WINDOW
from nenkin_audit.home import Home
from nenkin_audit.keys import ensure_demo_key
from nenkin_audit.loader import load_inbox

from .test_suppression import THRESHOLD, attack

pytestmark = pytest.mark.slow

KEY = ("uketsuke_no", "list_id", "row_no", "status", "mismatch_fields", "taisho_date_shift_days")
FILINGS_MODELS = "path:models/intermediate/filings path:models/marts/filings"


@dataclass(frozen=True)
class City:
    inbox: Path
    truth: Path
    home: Home

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.home.warehouse), read_only=True)

    def truth_rows(self, name: str) -> list[dict[str, str]]:
        with open(self.truth / name, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))


def build_city(root: Path, *, persons: int, days: int, seed: int) -> City:
    from nenkin_audit.generate import generate_city

    inbox = root / "inbox"
    generate_city(inbox, persons=persons, days=days, seed=seed)
    home = Home(root / "home").ensure()
    load_inbox(inbox, home.warehouse, progress=lambda _line: None)
    key = ensure_demo_key(home)
    assert run_dbt(home, ["seed"], key_file=key), "dbt seed failed"
    upstream = [
        "run",
        "--select",
        "+path:models/intermediate/filings",
        "+path:models/marts/filings",
    ]
    assert run_dbt(home, upstream, key_file=key), "dbt run of the filings models failed"
    tests = ["test", "--select", *FILINGS_MODELS.split(), "path:tests/dbt/filings"]
    assert run_dbt(home, tests, key_file=key), "dbt tests of the filings models failed"
    return City(inbox=inbox, truth=root / "inbox_truth", home=home)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    return build_city(tmp_path_factory.mktemp("recon-city"), persons=3000, days=60, seed=11)


def _norm(value) -> str:
    return "" if value is None else str(value)


def test_reconciliation_agrees_with_the_truth(city: City) -> None:
    truth_rows = [tuple(r[k] for k in KEY) for r in city.truth_rows("reconciliation.csv")]
    with city.connect() as con:
        cols = ", ".join(KEY)
        ours_rows = [
            tuple(_norm(v) for v in row)
            for row in con.sql(f"select {cols} from marts.fct_reconciliation").fetchall()
        ]
        # a duplicate_result names the filing that already has its result: that filing's own
        # row carries a final result
        orphans = con.sql(
            "select d.list_id, d.row_no from marts.fct_reconciliation d "
            "left join marts.fct_reconciliation f on f.uketsuke_no = d.uketsuke_no and f.is_filing "
            "and f.status in ('matched', 'mismatched', 'returned') "
            "where d.status = 'duplicate_result' and f.uketsuke_no is null"
        ).fetchall()
    assert not orphans
    truth = Counter(truth_rows)
    ours = Counter(ours_rows)
    assert sum(truth.values()) > 0
    statuses = Counter(k[3] for k in truth.elements())
    # the generated city exercises every status of docs/published-contract.md §3.2
    assert set(statuses) == {
        "matched",
        "mismatched",
        "returned",
        "pending",
        "not_forwarded",
        "withdrawn",
        "unmatched_result",
        "duplicate_result",
    }, statuses
    # JPS moved some target dates far beyond the window, in both directions, by up to a year
    shifts = [int(k[5]) for k in truth if k[5] and abs(int(k[5])) > WINDOW]
    assert len(shifts) >= 3 and min(shifts) < 0 < max(shifts), shifts
    assert max(abs(d) for d in shifts) > 90, shifts
    missing = truth - ours
    extra = ours - truth
    agreement = 1 - sum(missing.values()) / sum(truth.values())
    assert not missing and not extra, (
        f"agreement {agreement:.4%}; expected but not built: {sorted(missing.elements())[:15]}; "
        f"built but not expected: {sorted(extra.elements())[:15]}"
    )


def test_exemption_cross_check_agrees_with_the_truth(city: City) -> None:
    truth = {r["uketsuke_no"]: r for r in city.truth_rows("exemption_checks.csv")}
    with city.connect() as con:
        ours = {
            row[0]: row
            for row in con.sql(
                "select uketsuke_no, nendo, applied_shurui, allowed_shurui, jps_kekka, "
                "is_disagreement from intermediate.int_filings__exemption_checks "
                "where check_kind = 'income_rule'"
            ).fetchall()
        }
    assert truth, "the generated city has exemption decisions"
    assert any(r["expect_disagreement"] == "true" for r in truth.values())
    problems = []
    for no, t in truth.items():
        got = ours.get(no)
        expected = (
            no,
            int(t["nendo"]),
            t["applied_shurui"],
            t["allowed_shurui"] or None,
            t["jps_kekka"],
            t["expect_disagreement"] == "true",
        )
        if got != expected:
            problems.append((expected, got))
    assert not problems, problems[:10]
    assert set(ours) <= set(truth), sorted(set(ours) - set(truth))[:10]


def test_disagreements_are_on_the_work_list(city: City) -> None:
    with city.connect() as con:
        missing = con.sql(
            "select c.uketsuke_no from intermediate.int_filings__exemption_checks c "
            "left join marts.fct_filing_worklist w on c.uketsuke_no = w.uketsuke_no "
            "and w.is_exemption_disagreement where c.is_disagreement and w.uketsuke_no is null"
        ).fetchall()
        kinds = dict(
            con.sql(
                "select reason, count(*) from (select unnest(string_split(reasons, ',')) as reason "
                "from marts.fct_filing_worklist) group by reason"
            ).fetchall()
        )
    assert not missing
    assert {"mismatched", "returned", "exemption_disagreement"} <= set(kinds), kinds


def test_sql_income_rule_agrees_with_python(city: City) -> None:
    with city.connect() as con:
        income = con.sql(
            "select s.*, a.allowed_shurui as sql_allowed, a.student_allowed as sql_student, "
            "a.yuyo_allowed as sql_yuyo from staging.stg_zei__shotoku s "
            "join intermediate.int_filings__income_allowance a using (atena_no, nendo)"
        ).pl()
        n_income = con.sql("select count(*) from staging.stg_zei__shotoku").fetchall()[0][0]
    assert income.height == n_income > 0
    differ = []
    for row in income.iter_rows(named=True):
        python = (
            menjo_rules.allowed_shurui(row, row["nendo"]),
            menjo_rules.student_allowed(row, row["nendo"]),
            menjo_rules.yuyo_allowed(row, row["nendo"]),
        )
        sql = (row["sql_allowed"], row["sql_student"], row["sql_yuyo"])
        if python != sql:
            differ.append((row["atena_no"], row["nendo"], python, sql))
    assert not differ, differ[:10]
    # the city's incomes reach every graded class and none
    assert set(income["sql_allowed"].to_list()) >= {"02", "03", "04", "05", None}


def test_marts_hold_no_person_identifier(city: City) -> None:
    values = {
        r["value"]
        for r in city.truth_rows("persons.csv")
        if r["kind"] in ("kojin_no", "kiso_nenkin_no", "atena_no", "setai_no")
    }
    marts = [
        "fct_reconciliation",
        "fct_filings",
        "fct_filing_worklist",
        "agg_filings__weekly_throughput",
        "agg_filings__backlog",
        "agg_reconciliation__status_counts",
        "agg_filings__lead_times",
    ]
    with city.connect() as con:
        for mart in marts:
            frame = con.sql(f"select * from marts.{mart}").pl()
            for col in frame.columns:
                seen = {str(v) for v in frame[col].unique().to_list() if v is not None}
                assert not (seen & values), (mart, col)


@pytest.mark.parametrize(
    ("mart", "partition", "row", "column", "count"),
    [
        (
            "agg_filings__weekly_throughput",
            "flow, week_start",
            "office_code",
            "todokede_shubetsu",
            "filings",
        ),
        ("agg_filings__backlog", "backlog_kind", "office_code", "aging_bucket", "filings"),
        ("agg_reconciliation__status_counts", "'all'", "todokede_shubetsu", "status", "rows_count"),
        (
            "agg_filings__lead_times",
            "lead_time, period_month",
            "office_code",
            "todokede_shubetsu",
            "filings",
        ),
    ],
)
def test_published_aggregates_resist_recomputation(
    city: City, mart: str, partition: str, row: str, column: str, count: str
) -> None:
    with city.connect() as con:
        rows = con.sql(
            f"select concat_ws('|', {partition}) as part, {row}, {column}, {count} from marts.{mart}"
        ).fetchall()
    assert rows
    tables: dict[str, dict] = {}
    for part, r, c, n in rows:
        assert n is None or not 1 <= n < THRESHOLD
        tables.setdefault(part, {})[(r, c)] = n
    for part, table in tables.items():
        for cell, (lo, hi) in attack(table).items():
            assert hi - lo >= 1 - 1e-6, (mart, part, cell, lo, hi)
