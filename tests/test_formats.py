"""Value formats (docs/raw-interface.md §2) in Python (`nenkin_audit.formats`) and in the dbt macros that
staging uses (`macros/staging/`), held to the same examples so the two can never drift apart.

The SQL side is compiled by dbt (`dbt compile --inline`, the project's real macros) and run on a
real DuckDB connection over a table of examples; every example must give the same answer as the
Python function. Besides the spec's examples and the era boundaries, thousands of seeded random
values (valid and invalid era dates, 個人番号 with right and wrong check digits, full-width
variants) are compared."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import unicodedata
from pathlib import Path

import duckdb
import pytest

from nenkin_audit.dbt_build import dbt_env
from nenkin_audit.formats import (
    EraDateError,
    date_to_era,
    era_to_date,
    kojin_no_check_digit,
    kojin_no_is_valid,
    normalise_kiso_nenkin_no,
)
from nenkin_audit.home import Home, project_dir

FULL_WIDTH = str.maketrans("0123456789-: ", "０１２３４５６７８９－：　")

# GYYMMDD -> date, or None where the date does not exist in that era (docs/raw-interface.md §2).
ERA_EXAMPLES: dict[str, dt.date | None] = {
    "3640107": dt.date(1989, 1, 7),  # 昭和64年1月7日, the last day of 昭和
    "3640108": None,  # 昭和64年1月8日 does not exist (平成 began that day)
    "4010108": dt.date(1989, 1, 8),  # 平成元年1月8日
    "4010107": None,
    "4310430": dt.date(2019, 4, 30),  # 平成31年4月30日, the last day of 平成
    "4310501": None,  # 平成31年5月1日 does not exist (令和 began that day)
    "5010501": dt.date(2019, 5, 1),  # 令和元年5月1日
    "5010430": None,
    "2151224": dt.date(1926, 12, 24),  # 大正15年12月24日, the last day of 大正
    "2151225": None,
    "3011225": dt.date(1926, 12, 25),  # 昭和元年12月25日
    "1450729": dt.date(1912, 7, 29),  # 明治45年7月29日, the last day of 明治
    "1450730": None,
    "2010730": dt.date(1912, 7, 30),  # 大正元年7月30日
    "4080229": dt.date(1996, 2, 29),  # leap day
    "4070229": None,  # 1995 is no leap year
    "5120229": None,  # 令和12年 = 2030, no leap year
    "5060229": dt.date(2024, 2, 29),
    "4000101": None,  # year 00
    "6010101": None,  # no era 6
    "0010101": None,
    "3641301": None,  # month 13
    "3640100": None,  # day 00
    "364010": None,  # 6 digits
    "36401070": None,  # 8 digits
    "３６４０１０７": dt.date(1989, 1, 7),  # full-width digits (NFKC)
    " 3640107 ": dt.date(1989, 1, 7),
    "": None,
}


def py_era(value: str) -> dt.date | None:
    try:
        return era_to_date(value)
    except EraDateError:
        return None


def py_iso_date(value: str) -> dt.date | None:
    s = unicodedata.normalize("NFKC", value).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        return None


def py_iso_timestamp(value: str) -> dt.datetime | None:
    s = unicodedata.normalize("NFKC", value).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", s):
        return None
    try:
        return dt.datetime.fromisoformat(s)
    except ValueError:
        return None


def py_integer(value: str) -> int | None:
    s = unicodedata.normalize("NFKC", value).strip()
    return int(s) if re.fullmatch(r"[0-9]{1,9}", s) else None


def py_bigint(value: str) -> int | None:
    s = unicodedata.normalize("NFKC", value).strip()
    return int(s) if re.fullmatch(r"-?[0-9]{1,18}", s) else None


# ---------------------------------------------------------------- Python: the spec's examples


def test_check_digit_of_the_spec_example() -> None:
    assert kojin_no_check_digit("98320567321") == 4
    assert kojin_no_is_valid("983205673214")
    assert not kojin_no_is_valid("983205673215")


def test_check_digit_is_zero_when_the_remainder_is_zero_or_one() -> None:
    # Σ P·Q mod 11: 12345678900 → 1, 12345678905 → 0; both give check digit 0
    assert kojin_no_check_digit("12345678900") == 0
    assert kojin_no_check_digit("12345678905") == 0
    assert kojin_no_check_digit("12345678901") == 8


def test_kojin_no_needs_twelve_digits() -> None:
    for value in ["", "98320567321", "9832056732144", "98320567321a", "98320567321-"]:
        assert not kojin_no_is_valid(value)
    assert kojin_no_is_valid("９８３２０５６７３２１４")  # full-width digits are normalised


@pytest.mark.parametrize(("value", "expected"), list(ERA_EXAMPLES.items()))
def test_era_to_date_at_era_boundaries(value: str, expected: dt.date | None) -> None:
    if expected is None:
        with pytest.raises(EraDateError):
            era_to_date(value)
    else:
        assert era_to_date(value) == expected


def test_date_to_era_round_trips_every_day_of_the_eras() -> None:
    day = dt.date(1873, 1, 1)
    while day <= dt.date(2040, 12, 31):
        assert era_to_date(date_to_era(day)) == day
        day += dt.timedelta(days=1)
    assert date_to_era(dt.date(1989, 1, 7)) == "3640107"
    assert date_to_era(dt.date(1989, 1, 8)) == "4010108"
    assert date_to_era(dt.date(2019, 5, 1)) == "5010501"


def test_kiso_nenkin_no_normalisation() -> None:
    assert normalise_kiso_nenkin_no("1234567890") == "1234567890"
    assert normalise_kiso_nenkin_no("1234-567890") == "1234567890"
    assert normalise_kiso_nenkin_no("１２３４－５６７８９０") == "1234567890"
    for bad in ["", "123456789", "12345678901", "123-4567890", "1234-56789a", "1234567890-"]:
        assert normalise_kiso_nenkin_no(bad) is None


# ---------------------------------------------------------------- SQL macros agree with Python


def _examples() -> list[str]:
    rng = random.Random(20240401)
    values: list[str] = list(ERA_EXAMPLES)
    # valid era dates of random days, and random 7-digit strings (mostly impossible dates)
    start, span = dt.date(1868, 1, 25), (dt.date(2060, 12, 31) - dt.date(1868, 1, 25)).days
    for _ in range(3000):
        values.append(date_to_era(start + dt.timedelta(days=rng.randrange(span))))
        g = rng.randint(0, 6)
        values.append(
            f"{g}{rng.randint(0, 99):02d}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}"
        )
    # 個人番号: valid, one digit off, wrong length; 基礎年金番号 with and without hyphen
    for _ in range(2000):
        first11 = f"{rng.randrange(10**11):011d}"
        valid = first11 + str(kojin_no_check_digit(first11))
        values += [valid, first11 + str((int(valid[-1]) + rng.randint(1, 9)) % 10), first11]
        kiso = f"{rng.randrange(10**10):010d}"
        values += [kiso, f"{kiso[:4]}-{kiso[4:]}", kiso[:9], f"{kiso[:3]}-{kiso[3:]}"]
    # ISO dates and timestamps, valid and not, and whole numbers
    for _ in range(1500):
        d = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(60000))
        values.append(d.isoformat())
        values.append(f"{d.year:04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}")
        values.append(
            f"{d.isoformat()} {rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}:{rng.randint(0, 61):02d}"
        )
        values.append(str(rng.randrange(-(10**12), 10**12)))
    values += [
        "98320567321",
        "983205673214",
        "1234-567890",
        "１２３４－５６７８９０",
        "2024-4-1",
        "2024-04-01T10:00:00",
        "2024-04-01 10:00",
        "20240401",
        "1.5",
        "1e3",
        "+3",
        "-0",
        "12万",
        "9999999999",
        "98320567321x",
        "1234-56789a",
    ]
    # hand-keyed variants: full-width digits, `－`, full-width colon and space
    values += [v.translate(FULL_WIDTH) for v in values[::7]]
    return sorted(set(values))


SQL_TEMPLATE = """
select
    v,
    n as normalised,
    {{ era_to_date('n') }} as era_date,
    {{ kojin_no_is_valid('n') }} as kojin_no_valid,
    case when {{ has_shape('n', '00000000000') }} then {{ kojin_no_check_digit('n') }} end
        as check_digit,
    {{ normalise_kiso_nenkin_no('n') }} as kiso_nenkin_no,
    {{ iso_to_date('n') }} as iso_date,
    {{ iso_to_timestamp('n') }} as iso_timestamp,
    {{ to_integer('n') }} as int_value,
    {{ to_bigint('n') }} as bigint_value,
    case when {{ has_shape('n', '0000-00-00') }} then {{ default__cast_iso_date('n') }} end
        as portable_iso_date,
    case when {{ has_shape('n', '0000-00-00 00:00:00') }}
        and substr(n, 12, 2) <= '23' and substr(n, 15, 2) <= '59' and substr(n, 18, 2) <= '59'
        then {{ default__cast_iso_timestamp('n') }} end as portable_iso_timestamp,
    {%- for mask in ['0000000', '000000000000', '0000-000000', '0000-00-00 00:00:00'] %}
    {{ has_shape('n', mask) }} as shape_{{ loop.index }},
    {{ default__has_shape('n', mask) }} as portable_shape_{{ loop.index }},
    {%- endfor %}
    {{ default___is_whole_number('n', 9, false) }} as portable_is_integer,
    {{ default___is_whole_number('n', 18, true) }} as portable_is_bigint
from (select v, {{ normalise_text('v') }} as n from examples) as normalised_examples
"""


def _compile_inline(home: Home, template: str) -> str:
    """The template rendered by dbt with the project's macros (no model is built)."""
    from dbt.cli.main import dbtRunner

    home.ensure()
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    os.environ.update(dbt_env(home, None))
    os.chdir(project_dir())
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--quiet",
                "--inline",
                template,
                "--project-dir",
                str(project_dir()),
                "--profiles-dir",
                str(project_dir()),
            ]
        )
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


@pytest.fixture(scope="module")
def sql_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    home = Home(Path(tmp_path_factory.mktemp("formats")) / "home")
    compiled = _compile_inline(home, SQL_TEMPLATE)
    con = duckdb.connect()
    try:
        con.execute("create table examples as select unnest(?::varchar[]) as v", [_examples()])
        frame = con.sql(compiled).pl()
    finally:
        con.close()
    return {r["v"]: r for r in frame.iter_rows(named=True)}


def test_sql_nfkc_matches_python_nfkc_on_hand_keyed_values(sql_results) -> None:
    for v, r in sql_results.items():
        assert r["normalised"] == unicodedata.normalize("NFKC", v).strip(), v


def test_sql_era_to_date_matches_python(sql_results) -> None:
    mismatches = {v: r["era_date"] for v, r in sql_results.items() if r["era_date"] != py_era(v)}
    assert mismatches == {}
    # the spec's two impossible dates are among the examples and are null in SQL
    assert sql_results["3640108"]["era_date"] is None
    assert sql_results["4310501"]["era_date"] is None
    assert sql_results["3640107"]["era_date"] == dt.date(1989, 1, 7)


def test_sql_check_digit_matches_python(sql_results) -> None:
    assert sql_results["98320567321"]["check_digit"] == 4
    for v, r in sql_results.items():
        if r["check_digit"] is not None:
            assert r["check_digit"] == kojin_no_check_digit(r["normalised"]), v
        assert r["kojin_no_valid"] == kojin_no_is_valid(v), v
    assert sum(r["kojin_no_valid"] for r in sql_results.values()) > 1000


def test_sql_kiso_nenkin_no_matches_python(sql_results) -> None:
    for v, r in sql_results.items():
        assert r["kiso_nenkin_no"] == normalise_kiso_nenkin_no(v), v
    assert sql_results["1234-567890".translate(FULL_WIDTH)]["kiso_nenkin_no"] == "1234567890"


def test_sql_iso_dates_and_timestamps_are_strict_like_python(sql_results) -> None:
    for v, r in sql_results.items():
        assert r["iso_date"] == py_iso_date(v), v
        assert r["iso_timestamp"] == py_iso_timestamp(v), v
    assert any(r["iso_timestamp"] is not None for r in sql_results.values())


def test_portable_date_casts_agree_with_duckdb_try_cast(sql_results) -> None:
    """The standard-SQL fallback (for PostgreSQL) gives the same dates as DuckDB's try_cast."""
    for v, r in sql_results.items():
        if r["portable_iso_date"] is not None or r["iso_date"] is not None:
            assert r["portable_iso_date"] == r["iso_date"], v
        if r["portable_iso_timestamp"] is not None or r["iso_timestamp"] is not None:
            assert r["portable_iso_timestamp"] == r["iso_timestamp"], v


def test_portable_shape_and_number_checks_agree_with_the_duckdb_ones(sql_results) -> None:
    """DuckDB checks layouts with regular expressions, the standard-SQL fallback with
    translate(); both must accept exactly the same texts."""
    for v, r in sql_results.items():
        for i in range(1, 5):
            assert r[f"shape_{i}"] == r[f"portable_shape_{i}"], (v, i)
        assert r["portable_is_integer"] == (r["int_value"] is not None), v
        assert r["portable_is_bigint"] == (r["bigint_value"] is not None), v
    assert sum(r["shape_4"] for r in sql_results.values()) > 1000


def test_sql_whole_numbers_match_python(sql_results) -> None:
    for v, r in sql_results.items():
        assert r["int_value"] == py_integer(v), v
        assert r["bigint_value"] == py_bigint(v), v
