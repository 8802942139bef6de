"""Linkage figures of a published mart at city scale (on demand): per person-keyed public model,
the persons published, the smallest class over its quasi-identifiers (its pseudonym domain
joined as a reader would, tests/linkage_attack.py), the persons in classes below k, the persons
at each generalisation level and the persons withheld; pseudonym values shared across domains;
the birthday share of every published date against chance; the build's time for the attacker
check. Writes `bench-results/linkage.json` and prints a table.

    python tests/benchmarks/bench_linkage.py --home /tmp/city/home          # a run home
    python tests/benchmarks/bench_linkage.py --persons 200000 --days 60 --workdir /tmp/bench-link

With --persons, a city is generated into the workdir and run (`nenkin-audit run`) unless the
workdir already holds a published mart."""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.linkage_attack import (  # noqa: E402
    attach_births,
    birthday_shares,
    date_expression,
    person_keyed,
    read_meta,
    shared_values,
    smallest_class,
)

K = 10
#: persons the restricted layer holds that a dimension does not list (residue of the cascade)
UNLISTED = {
    "dim_persons": "select count(*) from wh.intermediate.int_persons__disclosed "
    "where disclosure_level = 10",
    "dim_households": "select count(*) from wh.intermediate.int_persons__households "
    "where disclosure_level = 3",
}


def _city(persons: int, days: int, workdir: Path) -> Path:
    home = workdir / "home"
    if (home / "mart.duckdb").exists():
        return home
    cli = str(Path(sys.executable).with_name("nenkin-audit"))
    inbox = workdir / "inbox"
    subprocess.run(
        [
            cli,
            "generate",
            "--out",
            str(inbox),
            "--persons",
            str(persons),
            "--days",
            str(days),
            "--misuse",
        ],
        check=True,
    )
    from nenkin_audit.home import Home
    from nenkin_audit.keys import ensure_demo_key

    ensure_demo_key(Home(home).ensure())
    subprocess.run([cli, "run", "--inbox", str(inbox), "--home", str(home)], check=True)
    return home


def _check_seconds(home: Path) -> float | None:
    log = (home / "logs" / "dbt.log").read_text(encoding="utf-8", errors="replace")
    found = re.findall(r"PASS assert_no_linkage_disclosure .*?\[PASS in ([\d.]+)s\]", log)
    return float(found[-1]) if found else None


def measure(home: Path) -> dict:
    meta = read_meta(home / "target" / "manifest.json")
    con = duckdb.connect(str(home / "mart.duckdb"), read_only=True)
    keyed = person_keyed(con)
    models = {}
    for table, pids in keyed.items():
        cols = {
            c
            for (c,) in con.sql(
                "select column_name from information_schema.columns "
                f"where table_name = '{table}' and table_catalog = current_database()"
            ).fetchall()
        }
        for pid in pids:
            smallest, below, persons = smallest_class(con, [(table, pid)], meta)
            row: dict = {
                "pseudonym": pid,
                "domain": meta.domain.get((table, pid)),
                "tier": "reviewers (excluded)" if table in meta.excluded else "person-level",
                "persons": persons,
                "rows": con.sql(f'select count(*) from "{table}"').fetchall()[0][0],
                "smallest_class": smallest,
                "persons_below_k": below,
                "quasi_identifiers": meta.quasi.get(table, []),
            }
            if "disclosure_level" in cols:
                levels = con.sql(
                    f'select disclosure_level, count(distinct "{pid}"), count(*) from "{table}" '
                    "group by 1 order by 1"
                ).fetchall()
                row["persons_by_level"] = {str(lv): n for lv, n, _ in levels if n}
                row["rows_withheld"] = con.sql(
                    f'select count(*) from "{table}" where "{pid}" is null'
                ).fetchall()[0][0]
                row["persons_generalised"] = sum(n for lv, n, _ in levels if lv > 1)
            models[f"{table}.{pid}"] = row
    con.execute(f"attach '{home / 'warehouse.duckdb'}' as wh (read_only)")
    for table, sql in UNLISTED.items():
        models[f"{table}.{keyed[table][0]}"]["not_listed"] = con.sql(sql).fetchall()[0][0]
    withheld = con.sql(
        "select domain, count(*) from wh.intermediate.int_identity__domain_pseudonyms group by 1"
    ).fetchall()
    con.execute("detach wh")
    for row in models.values():
        for domain, n in withheld:
            if row["domain"] == domain and "rows_withheld" in row:
                row["persons_withheld"] = n - row["persons"]
    parts = [(t, c) for t, cs in keyed.items() for c in cs]
    cross = [
        (f"{a[0]}.{a[1]}", f"{b[0]}.{b[1]}", n)
        for a, b in itertools.combinations(parts, 2)
        if (n := shared_values(con, a, b)) and meta.domain.get(a) != meta.domain.get(b)
    ]
    attach_births(con, home / "warehouse.duckdb")
    births = []
    for table, pids in keyed.items():
        for column, dtype in con.sql(
            "select column_name, data_type from information_schema.columns "
            f"where table_name = '{table}' and table_catalog = current_database()"
        ).fetchall():
            value = date_expression(column, dtype)
            if value:
                for pid in pids:
                    persons, share, chance = birthday_shares(con, table, pid, value)
                    births.append(
                        {
                            "column": f"{table}.{column}",
                            "persons": persons,
                            "share": round(share, 4),
                            "chance": round(chance, 4),
                        }
                    )
    con.close()
    return {
        "home": str(home),
        "k": K,
        "models": models,
        "pseudonyms_shared_across_domains": cross,
        "birthday_shares": births,
        "attacker_check_seconds": _check_seconds(home),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path)
    ap.add_argument("--persons", type=int)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench-linkage"))
    ap.add_argument("--out", type=Path, default=REPO / "bench-results" / "linkage.json")
    args = ap.parse_args()
    if args.home is None and args.persons is None:
        ap.error("give --home (a run home) or --persons (generate and run a city)")
    home = args.home or _city(args.persons, args.days, args.workdir)
    result = measure(home)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"{'model.pseudonym':36} {'tier':22} {'persons':>8} {'min class':>9} "
        f"{'<k':>5} {'generalised':>11} {'withheld':>8}"
    )
    for name, row in result["models"].items():
        withheld = row.get("persons_withheld", row.get("not_listed", ""))
        print(
            f"{name:36} {row['tier']:22} {row['persons']:>8} {row['smallest_class']:>9} "
            f"{row['persons_below_k']:>5} {row.get('persons_generalised', ''):>11} "
            f"{withheld:>8}"
        )
    print("shared across domains:", result["pseudonyms_shared_across_domains"] or "none")
    worst = max(result["birthday_shares"], key=lambda b: b["share"] - b["chance"])
    print("largest birthday share above chance:", worst)
    print("attacker check in the build:", result["attacker_check_seconds"], "s")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
