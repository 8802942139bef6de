"""Governance of the mart a generated city publishes: exactly the public models, classified columns
with portable types, no 個人番号 anywhere past staging, k-anonymous person and household
dimensions (recomputed here from the published file), and a calendar that agrees with the city's."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import duckdb
import pytest
import yaml

from nenkin_audit.generate.calendar import is_working_day

from .conftest import REPO, BuiltCity

pytestmark = pytest.mark.slow

PORTABLE = {"VARCHAR", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN"}


@pytest.fixture(scope="module")
def manifest(built_city: BuiltCity) -> dict:
    assert built_city.returncode == 0, built_city.output
    return json.loads((built_city.home / "target" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def published(built_city: BuiltCity):
    con = duckdb.connect(str(built_city.published), read_only=True)
    yield con
    con.close()


def _public_models(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n.get("access") == "public"
    }


def test_published_file_holds_exactly_the_public_models(manifest: dict, published) -> None:
    tables = {
        t
        for (t,) in published.sql(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }
    assert tables == set(_public_models(manifest))
    for name in ("dim_persons", "dim_households", "dim_staff", "dim_offices", "dim_dates"):
        assert name in tables
    for name in ("fct_insured_periods", "fct_fuka", "fct_exemptions", "fct_pension_claims"):
        assert name in tables
    for name in ("fct_income_bands", "fct_access_events", "dim_filing_types"):
        assert name in tables


def test_every_public_column_is_classified_typed_and_never_direct(manifest, published) -> None:
    problems = []
    for name, node in _public_models(manifest).items():
        declared = {c["name"]: c for c in node["columns"].values()}
        actual = published.sql(
            "select column_name, data_type from information_schema.columns "
            f"where table_name = '{name}'"
        ).fetchall()
        assert {c for c, _ in actual} == set(declared), name
        for column, dtype in actual:
            meta = (declared[column].get("config") or {}).get("meta") or declared[column]["meta"]
            if meta.get("pii") not in ("none", "quasi", "sensitive"):
                problems.append((name, column, meta.get("pii")))
            if dtype not in PORTABLE:
                problems.append((name, column, dtype))
            if not declared[column].get("description"):
                problems.append((name, column, "undescribed"))
    assert problems == []


def test_no_kojin_no_column_past_staging(built_city: BuiltCity) -> None:
    con = duckdb.connect(str(built_city.warehouse), read_only=True)
    try:
        rows = con.sql(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns where column_name like '%kojin_no%'"
        ).fetchall()
    finally:
        con.close()
    assert rows, "raw and base models do hold the number"
    for schema, table, column, dtype in rows:
        if schema in ("raw",) or (schema == "staging" and table.startswith("base_")):
            continue
        # elsewhere only boolean flags about the number exist
        assert dtype == "BOOLEAN", (schema, table, column, dtype)


def test_governance_and_k_anonymity_tests_ran_and_passed(built_city: BuiltCity) -> None:
    by_name = built_city.dbt_statuses()
    for needle in (
        "assert_public_columns_classified",
        "assert_no_kojin_no_lineage",
        "assert_pseudonym_function_is_keyed",
        "k_anonymity_dim_persons",
        "k_anonymity_dim_households",
        "assert_no_linkage_disclosure",
    ):
        matching = [u for u in by_name if needle in u]
        assert matching, f"{needle} did not run"
        assert all(by_name[u] == "PASS" for u in matching), {u: by_name[u] for u in matching}


@pytest.mark.parametrize(
    ("table", "quasi_identifiers"),
    [
        ("dim_persons", ("ward_code", "age_band", "sex", "resident_status")),
        ("dim_households", ("ward_code", "size_band")),
    ],
)
def test_dimensions_are_k_anonymous(manifest, published, table, quasi_identifiers) -> None:
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text(encoding="utf-8"))
    k = int(project["vars"]["k_anonymity_k"])
    rows = published.sql(f"select {', '.join(quasi_identifiers)} from {table}").fetchall()
    groups = Counter(r for r in rows if any(v is not None for v in r))
    assert groups, table
    assert k >= 10
    small = {g: n for g, n in groups.items() if n < k}
    assert small == {}
    # disclosure control generalises, it does not wipe out: most rows keep some attribute
    assert sum(groups.values()) > 0.5 * len(rows)


def test_protected_persons_never_show_a_ward(published) -> None:
    n = published.sql(
        "select count(*) from dim_persons where is_protected and ward_code is not null"
    ).fetchall()[0][0]
    assert n == 0
    assert published.sql("select count(*) from dim_persons where is_protected").fetchall()[0][0]


def test_households_never_reveal_a_ward_their_persons_do_not_show(
    built_city: BuiltCity, published
) -> None:
    """Persons carry no household pseudonym in the mart; through the restricted layer, a
    household's published ward is the published ward of each of its persons."""
    columns = {
        c
        for (c,) in published.sql(
            "select column_name from information_schema.columns where table_name = 'dim_persons'"
        ).fetchall()
    }
    assert "household_pid" not in columns
    published.execute(f"attach '{built_city.warehouse}' as wh (read_only)")
    try:
        n = published.sql(
            "select count(*) from dim_households as h "
            "join wh.intermediate.int_persons__attributes as a using (household_pid) "
            "join wh.intermediate.int_persons__disclosed as p on a.person_pid = p.person_pid "
            "where h.ward_code is not null and (p.ward_code is null or p.ward_code <> h.ward_code)"
        ).fetchall()[0][0]
    finally:
        published.execute("detach wh")
    assert n == 0


def test_calendar_agrees_with_the_city_calendar(published) -> None:
    rows = published.sql(
        "select date_day, is_working_day, fiscal_year, exemption_year, iso_week "
        "from dim_dates where date_day between '2026-01-01' and '2028-03-31'"
    ).fetchall()
    assert len(rows) == (dt.date(2028, 3, 31) - dt.date(2026, 1, 1)).days + 1
    for day, working, fiscal, exemption, iso_week in rows:
        assert working == is_working_day(day), day
        assert fiscal == (day.year if day.month >= 4 else day.year - 1)
        assert exemption == (day.year if day.month >= 7 else day.year - 1)
        assert iso_week == day.isocalendar().week


def test_facts_carry_their_own_areas_pseudonym(built_city: BuiltCity, published) -> None:
    """Each person-level fact carries the person's pseudonym of its own area (a known person),
    never the dim_persons pseudonym: areas cannot be joined on the person."""
    published.execute(f"attach '{built_city.warehouse}' as wh (read_only)")
    try:
        for table, column, domain in [
            ("fct_insured_periods", "person_pid", "insured"),
            ("fct_exemptions", "person_pid", "exemption"),
            ("fct_income_bands", "person_pid", "income"),
            ("fct_fuka", "person_pid", "fuka"),
            ("fct_access_events", "subject_pid", "access_subject"),
        ]:
            total, unknown, in_persons = published.sql(
                f"select count({column}), "
                f"count({column}) filter (where {column} not in (select domain_pid from "
                f"wh.intermediate.int_identity__domain_pseudonyms where domain = '{domain}')), "
                f"count({column}) filter (where {column} in (select person_pid from dim_persons)) "
                f"from {table}"
            ).fetchall()[0]
            assert total > 0, table
            assert unknown == 0, table
            assert in_persons == 0, table
    finally:
        published.execute("detach wh")
