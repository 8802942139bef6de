"""The scoring step on the PostgreSQL target: the same scorer as on DuckDB
(`nenkin_audit.scoring.score_warehouse`), fed with the audit's feature tables copied out of
PostgreSQL into a private DuckDB work file in the home, its `scoring` tables copied back into
the PostgreSQL schema `scoring` in one transaction. The work file (owner-only, like the rest of
the home) is removed afterwards, whatever happens."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from ..scoring import ScoreSummary, score_warehouse
from .connect import connect, owner_role, q

#: what the scorer reads (nenkin_audit.scoring.score)
FEATURES = (
    "int_audit__staff_days",
    "int_audit__subject_days",
    "int_audit__staff_subject_days",
    "int_audit__access_context",
)
#: what it writes
OUTPUTS = ("cases", "case_lines", "model_runs")

_TO_DUCKDB = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "smallint": "SMALLINT",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
}


def _duckdb_type(
    con: Any, table: str, column: str, pg_type: str, precision: Any, scale: Any
) -> str:
    if pg_type in _TO_DUCKDB:
        return _TO_DUCKDB[pg_type]
    if pg_type == "numeric":
        if precision is not None and precision <= 38:
            return f"DECIMAL({precision}, {scale or 0})"
        # unconstrained numeric (e.g. extract()): whole numbers as BIGINT, else DOUBLE
        with con.cursor() as cur:
            cur.execute(
                f"select coalesce(bool_and({q(column)} = trunc({q(column)})), true) "
                f"from intermediate.{q(table)}"
            )
            whole = cur.fetchone()[0]
        return "BIGINT" if whole else "DOUBLE"
    raise TypeError(f"intermediate.{table}.{column}: no DuckDB type for PostgreSQL {pg_type}")


def _pg_type(duck_type: str) -> str:
    t = duck_type.upper()
    simple = {
        "VARCHAR": "text",
        "BIGINT": "bigint",
        "INTEGER": "integer",
        "SMALLINT": "smallint",
        "HUGEINT": "numeric",
        "DOUBLE": "double precision",
        "FLOAT": "real",
        "BOOLEAN": "boolean",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "TIMESTAMP_NS": "timestamp",
        "TIMESTAMP WITH TIME ZONE": "timestamptz",
    }
    if t in simple:
        return simple[t]
    if t.startswith("DECIMAL"):
        return t.replace("DECIMAL", "numeric")
    if t.endswith("[]"):
        return _pg_type(t[:-2]) + "[]"
    raise TypeError(f"scoring output: no PostgreSQL type for DuckDB {duck_type}")


def _copy_in(pg: Any, duck: duckdb.DuckDBPyConnection, table: str, work: Path) -> None:
    with pg.cursor() as cur:
        cur.execute(
            "select column_name, data_type, numeric_precision, numeric_scale "
            "from information_schema.columns where table_schema = 'intermediate' "
            "and table_name = %s order by ordinal_position",
            (table,),
        )
        cols = cur.fetchall()
        if not cols:
            raise RuntimeError(f"intermediate.{table} is missing: the dbt build did not make it")
        types = {c: _duckdb_type(pg, table, c, t, p, s) for c, t, p, s in cols}
        csv = work.with_suffix(".csv")
        try:
            with open(csv, "w", encoding="utf-8") as fh:
                cur.copy_expert(
                    f"copy intermediate.{q(table)} to stdout with (format csv, header false)", fh
                )
            spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
            duck.execute(
                f"create table intermediate.{q(table)} as select * from read_csv("
                f"'{csv}', header = false, columns = {{{spec}}}, quote = '\"', "
                "escape = '\"', nullstr = '', allow_quoted_nulls = false, auto_detect = false)"
            )
        finally:
            csv.unlink(missing_ok=True)


def _copy_out(pg: Any, duck: duckdb.DuckDBPyConnection) -> None:
    """Replace scoring.<table> in PostgreSQL with the work file's, all three in one transaction."""
    with pg.cursor() as cur:
        cur.execute("begin")
        try:
            cur.execute(f"set local role {q(owner_role())}")
            cur.execute("create schema if not exists scoring")
            for table in OUTPUTS:
                described = duck.execute(f"describe scoring.{q(table)}").fetchall()
                cols = ", ".join(f"{q(r[0])} {_pg_type(r[1])}" for r in described)
                cur.execute(f"drop table if exists scoring.{q(table)}")
                cur.execute(f"create table scoring.{q(table)} ({cols})")
                list_cols = {r[0] for r in described if r[1].upper().endswith("[]")}
                if list_cols:
                    raise TypeError(f"scoring.{table}: list columns {list_cols} not supported")
                buf = io.StringIO()
                df = duck.sql(f"select * from scoring.{q(table)}").pl()
                buf.write(
                    df.write_csv(include_header=False, quote_style="non_numeric", null_value="\\N")
                )
                buf.seek(0)
                cur.copy_expert(
                    f"copy scoring.{q(table)} from stdin with (format csv, null '\\N')", buf
                )
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise


def score_postgres(
    work: Path, *, model_store: Path | None = None, say: Callable[[str], None] = lambda _m: None
) -> ScoreSummary:
    """Score the access log of the PostgreSQL warehouse (after the first dbt build)."""
    for p in (work, Path(str(work) + ".wal")):
        p.unlink(missing_ok=True)
    pg = connect()
    try:
        with pg.cursor() as cur:
            cur.execute(f"set role {q(owner_role())}")
        duck = duckdb.connect(str(work))
        try:
            duck.execute("create schema intermediate")
            for table in FEATURES:
                _copy_in(pg, duck, table, work)
        finally:
            duck.close()
        summary = score_warehouse(work, model_store=model_store, say=say)
        duck = duckdb.connect(str(work), read_only=True)
        try:
            _copy_out(pg, duck)
        finally:
            duck.close()
        return summary
    finally:
        pg.close()
        for p in (work, Path(str(work) + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
