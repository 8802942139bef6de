"""Linkage attacks on the mart the session city publishes (tests/linkage_attack.py), run as a
reader of the published file would, independently of the build's own check: joining any two
person-keyed models (plus dim_persons) singles nobody out, no class discloses a sensitive value,
no published date of a person sits near their birthday more often than chance — and the
attacks themselves find what they look for when it is there."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from .conftest import BuiltCity
from .linkage_attack import (
    Meta,
    attach_births,
    birthday_shares,
    date_expression,
    l_diversity_failures,
    person_keyed,
    read_meta,
    shared_values,
    smallest_class,
)

pytestmark = pytest.mark.slow

K = 10


@pytest.fixture(scope="module")
def meta(built_city: BuiltCity) -> Meta:
    assert built_city.returncode == 0, built_city.output
    return read_meta(built_city.home / "target" / "manifest.json")


@pytest.fixture(scope="module")
def mart(built_city: BuiltCity):
    con = duckdb.connect(str(built_city.published), read_only=True)
    yield con
    con.close()


def _parts(con, meta: Meta) -> list[tuple[str, str]]:
    parts = [(t, c) for t, cols in person_keyed(con).items() for c in cols]
    assert ("dim_persons", "person_pid") in parts
    assert len({t for t, _ in parts}) >= 6, parts
    return parts


def test_the_attacker_check_ran_in_the_build_and_passed(built_city: BuiltCity) -> None:
    assert built_city.dbt_statuses().get("assert_no_linkage_disclosure") == "PASS"


def test_every_pair_of_person_keyed_models_leaves_no_class_below_k(mart, meta: Meta) -> None:
    """Every pair of (model, pseudonym column), dim_persons among them: parts whose values meet
    must be of one declared domain and, joined, leave every person in a class of at least k;
    every person-level part alone too. The reviewers' access tier (model meta `linkage:
    excluded`) must meet nothing outside itself; its lines are not person-level attributes."""
    parts = _parts(mart, meta)
    person_level = [p for p in parts if p[0] not in meta.excluded]
    met = []
    for a, b in itertools.combinations(parts, 2):
        if shared_values(mart, a, b):
            met.append((a, b))
            assert meta.domain.get(a) is not None and meta.domain.get(a) == meta.domain.get(b)
    # the only parts that meet are the access tier's, among themselves
    assert all(a[0] in meta.excluded and b[0] in meta.excluded for a, b in met), met
    small = []
    for a in person_level:
        smallest, below, persons = smallest_class(mart, [a], meta)
        assert persons > 0, a
        if smallest < K:
            small.append((a, smallest, below))
    for a, b in itertools.combinations(person_level, 2):
        if (a, b) in met:
            smallest, below, _ = smallest_class(mart, [a, b], meta)
            if smallest < K:
                small.append(((a, b), smallest, below))
    assert small == [], small


def test_the_pair_attack_finds_the_classes_a_shared_pseudonym_would_open(mart, meta) -> None:
    """The attack can fail: give dim_persons' pseudonyms to the insured periods' persons (as one
    pseudonym for every area did) and the join singles persons out."""
    mart.execute(
        "create or replace temp table linked_periods as "
        "with i as (select person_pid, row_number() over (order by person_pid) as n "
        "from (select distinct person_pid from fct_insured_periods where person_pid is not null)), "
        "p as (select person_pid, row_number() over (order by person_pid) as n from dim_persons) "
        "select p.person_pid, f.* exclude (person_pid) from fct_insured_periods as f "
        "join i on f.person_pid = i.person_pid join p using (n)"
    )
    meta.quasi["linked_periods"] = meta.quasi["fct_insured_periods"]
    smallest, below, _ = smallest_class(
        mart, [("dim_persons", "person_pid"), ("linked_periods", "person_pid")], meta
    )
    assert smallest < K and below > 0


def test_no_class_discloses_a_sensitive_value(mart, meta: Meta) -> None:
    """Distinct ℓ ≥ 2 of every sensitive column in every class of every person-level domain."""
    failures = []
    for table, column in _parts(mart, meta):
        if table not in meta.excluded:
            failures += l_diversity_failures(mart, [(table, column)], meta)
    assert failures == []
    # and the test sees a disclosure when there is one: every 免除 class, keyed by its kind
    mart.execute(
        "create or replace temp table by_kind as select menjo_shurui as kind_pid, * "
        "from fct_exemptions where person_pid is not null"
    )
    meta.sensitive["by_kind"] = ["menjo_shurui"]
    assert l_diversity_failures(mart, [("by_kind", "kind_pid")], meta)


def test_no_published_date_sits_near_a_birthday_more_than_chance(
    built_city: BuiltCity, mart
) -> None:
    """Per published date of a person (a 年度 as its 1 April), the share of persons whose date is
    within a month of their birthday is no more than when their birth dates are shuffled. Birth
    dates come from the restricted layer (the generator's truth lists identifiers, not whose)."""
    attach_births(mart, built_city.warehouse)
    checked, above = [], []
    for table, pids in person_keyed(mart).items():
        types = mart.sql(
            "select column_name, data_type from information_schema.columns "
            f"where table_name = '{table}' and table_catalog = current_database()"
        ).fetchall()
        for column, data_type in types:
            value = date_expression(column, data_type)
            if value is None:
                continue
            for pid in pids:
                persons, share, chance = birthday_shares(mart, table, pid, value)
                if persons < 30:
                    continue
                checked.append((table, column))
                margin = max(0.03, 3 * (chance * (1 - chance) / persons) ** 0.5)
                if share > chance + margin:
                    above.append((table, column, persons, round(share, 3), round(chance, 3)))
    assert len(checked) >= 5, checked
    assert above == []
    # the test sees a birth month when one is published: the month of 20歳到達
    mart.execute(
        "create or replace temp table twentieth as select pid as person_pid, "
        "cast(date_trunc('month', birth_date + interval 20 year - interval 1 day) as date) "
        "as shutoku_month from births"
    )
    persons, share, chance = birthday_shares(mart, "twentieth", "person_pid", "shutoku_month")
    assert persons > 100 and share > 0.9 and chance < 0.3
