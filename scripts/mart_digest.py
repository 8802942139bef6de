"""Fingerprint the published mart of a generated city, to prove a restructuring changes nothing.

    # once, before the change (PROJECT is a checkout of the old commit)
    python scripts/mart_digest.py run --project OLD --inbox /tmp/city --out before.json
    # after the change
    python scripts/mart_digest.py run --project . --inbox /tmp/city --out after.json
    python scripts/mart_digest.py compare before.json after.json

`run` generates the city into `--inbox` when it does not exist yet (600 persons, 4 days, misuse and
bad input, seed 9: every path of the loader and the audit) with a demo key beside it (INBOX-keys,
the same for every run), copies it (the loader moves rejected files), runs `nenkin-audit run` of PROJECT's own package and dbt project against a fresh home, and
writes {relation: [rows, order-independent hash of the rows]} of the published mart and of the
warehouse. `compare` exits 1 when any published relation differs (row count, column names or row
hash); differences in the warehouse are listed for information only (a split adds relations there).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

RUN_DATE = "2026-11-30"
#: when the loader recorded a file, and where it moved a rejected one (the run's own temporary
#: folder): differ from run to run by nature
VOLATILE = {"loaded_at", "latest_loaded_at", "moved_to"}


def relation_state(path: Path) -> dict[str, list]:
    """{schema.relation: [rows, hash of the sorted column names, order-independent row hash]}."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() order by 1, 2"
        ).fetchall()
        state: dict[str, list] = {}
        for schema, table in relations:
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by column_name",
                    [schema, table],
                ).fetchall()
                if c not in VOLATILE
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            rows, digest = con.execute(
                f'select count(*), coalesce(sum(hash(r)), 0) from (select {select} from "{schema}"."{table}") r'  # noqa: E501
            ).fetchone()
            state[f"{schema}.{table}"] = [rows, ",".join(cols), str(digest)]
        return state
    finally:
        con.close()


def _run(project: Path, inbox: Path, out: Path, keep: Path | None = None) -> int:
    project = project.resolve()
    env = {
        **os.environ,
        "PYTHONPATH": str(project / "scripts"),
        "NENKIN_AUDIT_PROJECT_DIR": str(project),
        "NENKIN_AUDIT_RUN_DATE": RUN_DATE,
    }
    if not inbox.exists():
        code = (
            "import sys; from pathlib import Path; from nenkin_audit.generate import generate_city;"
            "generate_city(Path(sys.argv[1]), persons=600, days=4, seed=9, misuse=True,"
            " bad_input=True, progress=None)"
        )
        subprocess.run([sys.executable, "-c", code, str(inbox)], env=env, check=True)
    # one key for every run on this city, or the pseudonyms (and so the mart) would differ
    keys_home = inbox.with_name(inbox.name + "-keys")
    with tempfile.TemporaryDirectory(prefix="mart-digest-") as tmp:
        work = Path(tmp)
        shutil.copytree(inbox, work / "inbox")
        keys = (
            "import sys; from pathlib import Path; from nenkin_audit.home import Home;"
            "from nenkin_audit.keys import ensure_demo_key;"
            "print(ensure_demo_key(Home.resolve(Path(sys.argv[1])), announce=False))"
        )
        key_file = subprocess.run(
            [sys.executable, "-c", keys, str(keys_home)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        env["NENKIN_AUDIT_KEY_FILE"] = key_file
        cmd = [sys.executable, "-m", "nenkin_audit.cli", "run"]
        cmd += ["--inbox", str(work / "inbox"), "--home", str(work / "home")]
        proc = subprocess.run(cmd, env=env, cwd=project, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stdout[-4000:], proc.stderr[-4000:], file=sys.stderr)
            return proc.returncode
        state = {
            "mart": relation_state(work / "home" / "mart.duckdb"),
            "warehouse": relation_state(work / "home" / "warehouse.duckdb"),
        }
        if keep is not None:
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(work / "home", keep)
    out.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    print(f"{out}: {len(state['mart'])} published relations")
    return 0


def _compare(before: Path, after: Path) -> int:
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    for db in ("warehouse", "mart"):
        names = sorted(set(a[db]) | set(b[db]))
        differing = [n for n in names if a[db].get(n) != b[db].get(n)]
        label = "published mart" if db == "mart" else "warehouse (information)"
        print(f"{label}: {len(names)} relations, {len(differing)} differ")
        for n in differing:
            print(f"  {n}: before {a[db].get(n)} after {b[db].get(n)}")
    same = all(a["mart"].get(n) == b["mart"].get(n) for n in set(a["mart"]) | set(b["mart"]))
    print("published mart identical" if same else "published mart DIFFERS")
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="build a generated city with PROJECT and fingerprint it")
    run.add_argument("--project", type=Path, default=Path(__file__).resolve().parents[1])
    run.add_argument("--inbox", type=Path, required=True)
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--keep-home", type=Path, help="copy the run's home (warehouse, mart) here")
    cmp = sub.add_parser("compare", help="exit 1 when the published marts differ")
    cmp.add_argument("before", type=Path)
    cmp.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args.project, args.inbox, args.out, args.keep_home)
    return _compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
