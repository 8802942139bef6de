"""`nenkin-audit investigate NAME --param k=v --user U --reason "..."`: the security role's
investigation queries (analyses/investigate_NAME.sql) on the published mart, each run logged.

- Who may run them: a dashboard user of role `reviewer` (点検担当, the 情報セキュリティ担当 who
  review the access log), who proves it with their dashboard password (read from standard
  input, never from the command line). Anyone else is refused.
- Why: `--reason` (a case or request number) is required.
- What it reads: the published mart only (`open_published`: read-only, no other file reachable);
  parameters are bound, never pasted into the SQL. A query declares its parameters on a line
  `-- params: name type, ...` (type text or date) and reads them from the one-row relation
  `investigation_params`, which this command creates with the values bound.
- The log: every run and every refusal appends one JSON line to `<home>/logs/investigations.jsonl`
  (append-only; owner-only like the rest of the home): when, who, why, which query, its
  parameters, the number of rows, and the outcome. Rows themselves are not logged.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import bcrypt
import polars as pl

from .errors import UserError
from .home import Home, project_dir
from .publish import open_published
from .users import ROLE_LABELS, load, users_file

SECURITY_ROLE = "reviewer"
PREFIX = "investigate_"
PARAMS_RE = re.compile(r"^--\s*params:\s*(.*)$", re.MULTILINE)
SQL_TYPES = {"text": "varchar", "date": "date"}
PARAM_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


@dataclass(frozen=True)
class Query:
    name: str
    path: Path
    sql: str
    params: dict[str, str]  # name -> type
    summary: str


def analyses_dir() -> Path:
    return project_dir() / "analyses"


def queries() -> dict[str, Query]:
    out = {}
    for path in sorted(analyses_dir().glob(f"{PREFIX}*.sql")):
        sql = path.read_text(encoding="utf-8")
        m = PARAMS_RE.search(sql)
        params: dict[str, str] = {}
        for part in (m.group(1) if m else "").split(","):
            if part.strip():
                pname, ptype = part.split()
                if not PARAM_NAME_RE.match(pname) or ptype not in SQL_TYPES:
                    raise UserError(f"{path}: parameter {part.strip()!r} is not 'name text|date'")
                params[pname] = ptype
        summary = " ".join(
            line[2:].strip()
            for line in sql.splitlines()
            if line.startswith("--") and not PARAMS_RE.match(line)
        )
        name = path.stem[len(PREFIX) :]
        out[name] = Query(name, path, sql, params, summary)
    return out


def log_path(home: Home) -> Path:
    return home.root / "logs" / "investigations.jsonl"


def append_log(home: Home, entry: dict[str, Any]) -> None:
    """One JSON line, appended (O_APPEND) and synced; the file is never rewritten."""
    path = log_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_password(stdin: TextIO = sys.stdin) -> str:
    if stdin.isatty():
        return getpass.getpass("password: ")
    return stdin.readline().rstrip("\n")


def check_user(home: Home, user: str | None, password: str) -> None:
    """Refuse unless `user` is a dashboard user of the security role with this password."""
    if not user:
        raise UserError("--user is required: the investigation is logged under your user name")
    record = load(users_file(home))["credentials"]["usernames"].get(user)
    hashed = (record or {}).get("password") or ""
    if not record or not hashed or not bcrypt.checkpw(password.encode(), hashed.encode()):
        raise UserError(f"user {user!r}: unknown user or wrong password")
    roles = record.get("roles") or []
    if SECURITY_ROLE not in roles:
        raise UserError(
            f"user {user!r} ({', '.join(ROLE_LABELS.get(r, r) for r in roles) or 'no role'}) may "
            f"not run investigations: only the {SECURITY_ROLE} role "
            f"({ROLE_LABELS[SECURITY_ROLE]}, 情報セキュリティ担当) may"
        )


def bind(query: Query, raw: list[str]) -> dict[str, Any]:
    given: dict[str, str] = {}
    for item in raw:
        if "=" not in item:
            raise UserError(f"--param {item!r}: write it as name=value")
        k, v = item.split("=", 1)
        given[k.strip()] = v.strip()
    unknown = sorted(set(given) - set(query.params))
    missing = sorted(set(query.params) - set(given))
    if unknown or missing:
        raise UserError(
            f"query {query.name} takes "
            + ", ".join(f"{k} ({t})" for k, t in query.params.items())
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    bound: dict[str, Any] = {}
    for k, t in query.params.items():
        if t == "date":
            try:
                bound[k] = dt.date.fromisoformat(given[k])
            except ValueError:
                raise UserError(f"--param {k}={given[k]!r} is not a date (YYYY-MM-DD)") from None
        else:
            bound[k] = given[k]
    return bound


def main(
    home: Home,
    name: str | None,
    *,
    params: list[str],
    user: str | None,
    reason: str | None,
    out: Path | None = None,
    list_only: bool = False,
    stdin: TextIO = sys.stdin,
) -> int:
    available = queries()
    if list_only or not name:
        for q in available.values():
            args = " ".join(f"--param {k}=<{t}>" for k, t in q.params.items())
            print(f"{q.name}: {args}\n    {q.summary}")
        if not list_only:
            print("error: name the query to run (one of the above)", file=sys.stderr)
        return 0 if list_only else 2
    entry: dict[str, Any] = {
        "at": dt.datetime.now().isoformat(timespec="seconds"),
        "user": user,
        "reason": (reason or "").strip(),
        "query": name,
        "params": dict(p.split("=", 1) for p in params if "=" in p),
        "rows": None,
    }
    try:
        if name not in available:
            raise UserError(
                f"no investigation query {name!r}: choose one of {', '.join(available)} "
                "(`nenkin-audit investigate --list`)"
            )
        if not entry["reason"]:
            raise UserError('--reason is required (e.g. --reason "案件 2026-014: 苦情の調査")')
        if not user:
            raise UserError("--user is required: the investigation is logged under your user name")
        check_user(home, user, read_password(stdin))
        query = available[name]
        bound = bind(query, params)
        # the DuckDB file of the home, or on PostgreSQL (postgres.toml) the schema mart as the
        # reviewer group reads it (open_published says so when there is no mart yet)
        con = open_published(home, ("reviewer",))
        try:
            # the parameters, bound (never pasted), as the one row the query joins
            columns = ", ".join(
                f"cast(? as {SQL_TYPES[query.params[k]]}) as {k}" for k in query.params
            )
            con.execute(
                f"create temp table investigation_params as select {columns}",
                [bound[k] for k in query.params],
            )
            rows = con.sql(query.sql).pl()
        finally:
            con.close()
    except UserError as exc:
        append_log(home, {**entry, "outcome": "refused", "error": str(exc)})
        raise
    append_log(home, {**entry, "outcome": "ran", "rows": rows.height})
    if out is not None:
        with out.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(rows.columns)
            w.writerows(rows.iter_rows())
        print(f"{rows.height} rows written to {out}")
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=200):
            print(rows)
        print(f"{rows.height} rows")
    return 0
