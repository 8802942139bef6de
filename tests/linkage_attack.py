"""The linkage attack a reader of the published mart can run, written independently of the dbt
check (macros/governance/linkage.sql): used by tests/test_linkage.py on the session city and by
tests/benchmarks/bench_linkage.py at city scale.

- person-keyed models are the published tables with a ``*_pid`` column (read from the file);
- a person's profile over a set of (table, pseudonym column) parts is the sorted list of the rows'
  tuples of quasi-identifiers (``pii: quasi`` in the manifest, pseudonym columns left out);
- a class is the persons with one profile; distinct ℓ of a sensitive column in a class counts the
  persons' value sets, null and false counting as one value ("nothing"), and a class where
  nobody has a value is not a disclosure;
- the birth-month test compares, per published date, the share of persons whose date falls
  within 31 days of their birthday (any year; a 年度 counts as its 1 April) with the share when
  the same birth dates are given to other persons at random (the chance share).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

PID_SUFFIX = "_pid"


@dataclass(frozen=True)
class Meta:
    quasi: dict[str, list[str]]
    sensitive: dict[str, list[str]]
    domain: dict[tuple[str, str], str]
    excluded: set[str]


def read_meta(manifest_path: Path) -> Meta:
    """Quasi/sensitive columns, pseudonym domains and excluded models of the public models."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    quasi: dict[str, list[str]] = {}
    sensitive: dict[str, list[str]] = {}
    domain: dict[tuple[str, str], str] = {}
    excluded: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node.get("access") != "public":
            continue
        name = node["name"]
        model_meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
        if model_meta.get("linkage") == "excluded":
            excluded.add(name)
        for col in node["columns"].values():
            meta = {**(col.get("meta") or {}), **((col.get("config") or {}).get("meta") or {})}
            if meta.get("pseudonym"):
                domain[(name, col["name"])] = meta["pseudonym"]
            elif col["name"].endswith(PID_SUFFIX):
                continue  # a pseudonym column is a join key, not an attribute
            elif meta.get("pii") == "quasi" and not meta.get("link"):
                quasi.setdefault(name, []).append(col["name"])
            if meta.get("pii") == "sensitive":
                sensitive.setdefault(name, []).append(col["name"])
    return Meta(quasi=quasi, sensitive=sensitive, domain=domain, excluded=excluded)


def person_keyed(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Published tables with a pseudonym column (``*_pid``), from the file itself."""
    out: dict[str, list[str]] = {}
    for table, column in con.sql(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'main' and table_catalog = current_database() "
        f"and column_name like '%{PID_SUFFIX}' order by table_name, ordinal_position"
    ).fetchall():
        out.setdefault(table, []).append(column)
    return out


def _tuple(columns: list[str]) -> str:
    if not columns:
        return "''"
    parts = ", ".join(f"coalesce(cast(\"{c}\" as varchar), '∅')" for c in columns)
    return f"concat_ws('|', {parts})"


def _entries(parts: list[tuple[str, str]], meta: Meta) -> str:
    return " union all ".join(
        f"select cast(\"{key}\" as varchar) as entity, '{table}.{key}:' || "
        f'{_tuple(meta.quasi.get(table, []))} as item from "{table}" where "{key}" is not null'
        for table, key in parts
    )


def create_profiles(
    con: duckdb.DuckDBPyConnection, parts: list[tuple[str, str]], meta: Meta, name: str
) -> None:
    """Temp table `name` (entity, profile, class_size) over the parts joined on their values."""
    con.execute(
        f"create or replace temp table {name} as "
        f"with profiles as (select entity, string_agg(item, '§' order by item) as profile "
        f"from ({_entries(parts, meta)}) group by entity) "
        "select entity, profile, count(*) over (partition by profile) as class_size from profiles"
    )


def smallest_class(
    con: duckdb.DuckDBPyConnection, parts: list[tuple[str, str]], meta: Meta
) -> tuple[int, int, int]:
    """(smallest class, persons in classes below 10, persons) over the parts joined."""
    create_profiles(con, parts, meta, "attack_profiles")
    row = con.sql(
        "select min(class_size), count(*) filter (where class_size < 10), count(*) "
        "from attack_profiles"
    ).fetchall()[0]
    return int(row[0] or 0), int(row[1]), int(row[2])


def shared_values(con: duckdb.DuckDBPyConnection, a: tuple[str, str], b: tuple[str, str]) -> int:
    """How many distinct pseudonym values two (table, column) parts have in common."""
    return con.sql(
        f'select count(*) from (select distinct "{a[1]}" as v from "{a[0]}" '
        f'where "{a[1]}" is not null intersect select distinct "{b[1]}" from "{b[0]}" '
        f'where "{b[1]}" is not null)'
    ).fetchall()[0][0]


def l_diversity_failures(
    con: duckdb.DuckDBPyConnection, parts: list[tuple[str, str]], meta: Meta
) -> list[tuple[str, int]]:
    """(table.column, class size) of every class where a sensitive column has distinct ℓ < 2."""
    create_profiles(con, parts, meta, "attack_profiles")
    failures: list[tuple[str, int]] = []
    for table, key in parts:
        for column in meta.sensitive.get(table, []):
            rows = con.sql(
                f'with v as (select cast("{key}" as varchar) as entity, '
                f"string_agg(distinct cast(\"{column}\" as varchar), ',' "
                f'order by cast("{column}" as varchar)) as value_set from "{table}" '
                f'where "{key}" is not null and "{column}" is not null '
                f"and lower(cast(\"{column}\" as varchar)) <> 'false' group by 1) "
                "select max(p.class_size), count(distinct v.value_set) "
                "+ case when count(*) > count(v.value_set) then 1 else 0 end as l, "
                "count(v.value_set) as with_value "
                "from attack_profiles as p left join v using (entity) group by p.profile "
                "having count(v.value_set) > 0 and l < 2"
            ).fetchall()
            failures += [(f"{table}.{column}", int(size)) for size, _, _ in rows]
    return failures


def attach_births(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Temp table births (pid, birth_date) for every published pseudonym of a person whose
    birth date the restricted layer holds: person pseudonyms and subject-area pseudonyms."""
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    try:
        con.execute(
            "create or replace temp table births as "
            "select p.person_pid as pid, a.birth_date "
            "from wh.intermediate.int_identity__person_pseudonyms as p "
            "join wh.staging.stg_atena__persons as a using (atena_no) "
            "where a.birth_date is not null "
            "union all "
            "select d.domain_pid, a.birth_date "
            "from wh.intermediate.int_identity__domain_pseudonyms as d "
            "join wh.staging.stg_atena__persons as a on d.atena_no = a.atena_no "
            "where a.birth_date is not null"
        )
    finally:
        con.execute("detach wh")


def date_expression(column: str, data_type: str) -> str | None:
    """The published value as a date: dates and timestamps as they are, a 年度 as its 1 April."""
    if data_type in ("DATE", "TIMESTAMP"):
        return f'cast("{column}" as date)'
    if data_type == "BIGINT" and column.endswith("_nendo"):
        return f'make_date(cast("{column}" as integer), 4, 1)'
    return None


def _near_birthday(date: str, birth: str) -> str:
    """SQL: `date` is within 31 days of the birthday of `birth` in the year before, of or after
    it (29 February and the days after the 28th as the 28th: a day's difference at most)."""
    days = [
        f"abs(datediff('day', {date}, make_date(year({date}) + {shift}, month({birth}), "
        f"least(day({birth}), 28))))"
        for shift in (-1, 0, 1)
    ]
    return f"least({', '.join(days)}) <= 31"


def birthday_shares(
    con: duckdb.DuckDBPyConnection, table: str, pid: str, value_sql: str, salt: str = "chance"
) -> tuple[int, float, float]:
    """(persons, share near their birthday, chance share) for one published date of a table.

    Near: the date falls within 31 days of the person's birthday in the date's year (either way,
    across the year's end). Chance: the same persons, each given another one's birth date (a
    fixed shuffle, by a hash of the pseudonym with `salt`)."""
    row = con.sql(
        f'with rows as (select cast(t."{pid}" as varchar) as pid, {value_sql} as d '
        f'from "{table}" as t where t."{pid}" is not null), '
        "persons as (select distinct r.pid, b.birth_date from rows as r "
        "join births as b on r.pid = b.pid), "
        "shuffled as (select p.pid, s.birth_date as other from "
        "(select pid, row_number() over (order by pid) as i from persons) as p join "
        f"(select birth_date, row_number() over (order by md5(pid || '{salt}')) as i "
        "from persons) as s "
        "using (i)), "
        f"real as (select r.pid, bool_or({_near_birthday('r.d', 'p.birth_date')}) as hit "
        "from rows as r join persons as p using (pid) where r.d is not null group by r.pid), "
        f"chance as (select r.pid, bool_or({_near_birthday('r.d', 's.other')}) as hit "
        "from rows as r join shuffled as s using (pid) where r.d is not null group by r.pid) "
        "select (select count(*) from real), "
        "(select avg(case when hit then 1.0 else 0.0 end) from real), "
        "(select avg(case when hit then 1.0 else 0.0 end) from chance)"
    ).fetchall()[0]
    return int(row[0]), float(row[1] or 0.0), float(row[2] or 0.0)
