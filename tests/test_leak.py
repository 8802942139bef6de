"""Leak tests on a generated city run end to end: the published mart holds none of the identifying
values of the generated raw data (in any column, also after simple transforms), no birth date is
attached to a person, and the pseudonym key appears nowhere the build writes."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from nenkin_audit.keys import load_key

from .conftest import BuiltCity

pytestmark = pytest.mark.slow

PERSON_COLUMNS = ("person_pid", "subject_pid", "claimant_pid")


def _truth_values(city: BuiltCity) -> dict[str, set[str]]:
    values: dict[str, set[str]] = defaultdict(set)
    with open(city.truth / "persons.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["value"]:
                values[row["kind"]].add(row["value"])
    return values


def _variants(kind: str, value: str) -> set[str]:
    """The value and simple transforms of it a careless model could have published."""
    v = unicodedata.normalize("NFKC", value).strip()
    out = {value, v}
    digits = re.sub(r"\D", "", v)
    if kind in ("kojin_no", "kiso_nenkin_no", "atena_no", "setai_no", "tel", "birth_date_era"):
        out |= {digits, digits.lstrip("0") or "0"}
    if kind == "kiso_nenkin_no" and len(digits) == 10:
        out.add(f"{digits[:4]}-{digits[4:]}")
    if kind in ("shimei", "shimei_kana"):
        out |= {v.replace(" ", ""), v.replace(" ", "　"), v.replace("　", " "), v.replace("　", "")}
    if kind == "birth_date_iso":
        out |= {v.replace("-", ""), v.replace("-", "/")}
    return {o for o in out if o}


def _published_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.sql(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and table_schema = 'main' "
        "order by table_name, ordinal_position"
    ).fetchall()


@pytest.fixture(scope="module")
def published(built_city: BuiltCity):
    assert built_city.returncode == 0, built_city.output
    con = duckdb.connect(str(built_city.published), read_only=True)
    yield con
    con.close()


def test_the_truth_lists_every_kind_of_identifier(built_city: BuiltCity) -> None:
    kinds = set(_truth_values(built_city))
    assert {
        "kojin_no",
        "kiso_nenkin_no",
        "atena_no",
        "setai_no",
        "shimei",
        "shimei_kana",
        "address",
        "tel",
        "birth_date_era",
        "birth_date_iso",
    } <= kinds


def test_no_identifying_value_in_any_published_column(built_city: BuiltCity, published) -> None:
    truth = _truth_values(built_city)
    needles: dict[str, str] = {}
    for kind, values in truth.items():
        for value in values:
            for variant in _variants(kind, value):
                needles.setdefault(variant, kind)
    published.execute("create temp table needles (needle varchar, kind varchar)")
    published.executemany("insert into needles values (?, ?)", list(needles.items()))
    # long texts (names, kana, addresses) also as substrings of any published text
    published.execute(
        "create temp table text_needles as select * from needles "
        "where kind in ('shimei', 'shimei_kana', 'address') and length(needle) >= 3"
    )
    columns = _published_columns(published)
    assert len({t for t, _, _ in columns}) >= 10, "the mart has its relations"
    hits = []
    for table, column, dtype in columns:
        if dtype in ("DATE", "TIMESTAMP"):
            # the calendar holds every day, so dates are checked per person (next test)
            continue
        col = f'cast("{column}" as varchar)'
        exact = published.sql(
            f'select distinct {col} as v, n.kind from "{table}" join needles as n '
            f"on {col} = n.needle limit 5"
        ).fetchall()
        hits += [(table, column, kind, v) for v, kind in exact]
        contained = published.sql(
            f'select distinct v, n.kind from (select distinct {col} as v from "{table}" '
            f"where regexp_matches({col}, '[^\\x00-\\x7F]')) as t "
            "join text_needles as n on contains(t.v, n.needle) limit 5"
        ).fetchall()
        hits += [(table, column, kind, v) for v, kind in contained]
    assert hits == [], f"identifying values in the published mart: {hits}"


def test_no_published_date_of_a_person_is_their_birth_date(built_city: BuiltCity, published):
    """Dates are everywhere (the calendar holds every day), so a birth date leaks only when a
    date sits beside the person it belongs to: checked per row against the restricted layer,
    also for the birth dates derived from 20歳到達 / 60歳到達 (the eve of the birthday).
    Columns published at month resolution (every value the 1st, named *_month) carry no day and
    are skipped; that they are month-only is asserted."""
    published.execute(f"attach '{built_city.warehouse}' as wh (read_only)")
    published.execute(
        "create temp table births as select p.person_pid, a.birth_date "
        "from wh.intermediate.int_identity__person_pseudonyms as p "
        "join wh.staging.stg_atena__persons as a using (atena_no) "
        "where a.birth_date is not null "
        "union all "  # the subject-area pseudonyms of the facts
        "select d.domain_pid, a.birth_date "
        "from wh.intermediate.int_identity__domain_pseudonyms as d "
        "join wh.staging.stg_atena__persons as a on d.atena_no = a.atena_no "
        "where a.birth_date is not null"
    )
    assert published.sql("select count(*) from births").fetchall()[0][0] > 100
    columns = _published_columns(published)
    by_table: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for table, column, dtype in columns:
        by_table[table].append((column, dtype))
    checked, hits = 0, []
    for table, cols in by_table.items():
        pid_cols = [c for c, _ in cols if c in PERSON_COLUMNS]
        date_cols = [c for c, t in cols if t in ("DATE", "TIMESTAMP")]
        for date_col in list(date_cols):
            days = published.sql(
                f'select count(*) filter (where extract(day from "{date_col}") <> 1), '
                f'count("{date_col}") from "{table}"'
            ).fetchall()[0]
            if date_col.endswith("_month"):
                assert days[0] == 0, f"{table}.{date_col} is named a month but holds days"
                date_cols.remove(date_col)
        for pid_col in pid_cols:
            for date_col in date_cols:
                checked += 1
                n = published.sql(
                    f'select count(*) from "{table}" as t join births as b '
                    f'on t."{pid_col}" = b.person_pid where cast(t."{date_col}" as date) in ('
                    "b.birth_date, b.birth_date + interval 20 year - interval 1 day, "
                    "b.birth_date + interval 60 year - interval 1 day)"
                ).fetchall()[0][0]
                if n:
                    hits.append((table, pid_col, date_col, n))
    published.execute("detach wh")
    assert checked >= 5, "facts with person and date columns were checked"
    assert hits == []


def test_no_pseudonym_is_computable_from_published_values(built_city: BuiltCity, published):
    """Every person pseudonym in the mart comes from the restricted mapping, none is the
    identifier itself."""
    published.execute(f"attach '{built_city.warehouse}' as wh (read_only)")
    try:
        unknown = published.sql(
            "select count(*) from dim_persons where person_pid not in ("
            "select person_pid from wh.intermediate.int_identity__person_pseudonyms union all "
            "select person_pid from wh.intermediate.int_identity__kiso_keys)"
        ).fetchall()[0][0]
        key_id = load_key(built_city.key_file).key_id
        bad_format = published.sql(
            "select count(*) from dim_persons where not regexp_full_match(person_pid, "
            f"'{key_id}:[0-9a-f]{{20}}')"
        ).fetchall()[0][0]
    finally:
        published.execute("detach wh")
    assert unknown == 0
    assert bad_format == 0


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_key_is_nowhere_the_build_writes(built_city: BuiltCity) -> None:
    key = load_key(built_city.key_file)
    secret_hex = key.secret.hex()
    needles = [
        secret_hex.encode(),
        secret_hex.upper().encode(),
        key.secret,
        secret_hex[:32].encode(),
        secret_hex[32:].encode(),
    ]
    home = built_city.home
    places = [
        *_files(home / "target"),
        *_files(home / "logs"),
        home / "warehouse.duckdb",
        home / "mart.duckdb",
    ]
    assert any(p.name == "manifest.json" for p in places)
    assert any(p.suffix == ".log" for p in places)
    for path in places:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"the pseudonym key is in {path}"
