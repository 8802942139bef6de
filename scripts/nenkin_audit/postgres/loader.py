"""The loader's connection on PostgreSQL: the same ledger and quarantine semantics as on DuckDB
(the loader's code is shared: `nenkin_audit.loader.load`), with the raw rows written by
COPY FROM STDIN and each file's rows and ledger row in one transaction."""

from __future__ import annotations

import io
from typing import Any

import polars as pl

from ..errors import UserError
from ..loader.schema import LEDGER_COLUMNS, LEDGER_TABLE, META_COLUMNS, SCHEMA, raw_columns
from ..spec import EXTRACTS
from .connect import connect, owner_role, q

#: PostgreSQL types of the raw layer's DuckDB types (information_schema spelling, for the check)
_PG_TYPES = {
    "VARCHAR": ("text", "text"),
    "BIGINT": ("bigint", "bigint"),
    "INTEGER": ("integer", "integer"),
    "DATE": ("date", "date"),
    "TIMESTAMP": ("timestamp", "timestamp without time zone"),
}


class PgLoaderConnection:
    """Duck-typed like the DuckDB connection as far as the loader uses one: `execute(sql,
    params)` with `?` placeholders returning something with `fetchall()`, and `begin` /
    `commit` / `rollback` as statements; plus `ensure_raw_schema()` and `copy_rows()`."""

    def __init__(self, con: Any | None = None) -> None:
        self.con = con or connect()
        self.con.autocommit = True
        self.cur = self.con.cursor()
        self.cur.execute(f"set role {q(owner_role())}")

    def execute(self, sql: str, params: Any = None) -> Any:
        if params is None:
            self.cur.execute(sql)
        else:
            self.cur.execute(sql.replace("?", "%s"), tuple(params))
        return self.cur

    def close(self) -> None:
        self.con.close()

    def ensure_raw_schema(self) -> None:
        wanted = {name: raw_columns(name) for name in EXTRACTS} | {LEDGER_TABLE: LEDGER_COLUMNS}
        self.execute("begin")
        try:
            self.execute(f"create schema if not exists {SCHEMA}")
            for table, columns in wanted.items():
                cols = ",\n    ".join(f"{q(n)} {_PG_TYPES[t][0]}" for n, t in columns)
                self.execute(f"create table if not exists {SCHEMA}.{q(table)} (\n    {cols}\n)")
            self.execute("commit")
        except BaseException:
            self.execute("rollback")
            raise
        rows = self.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = ? order by table_name, ordinal_position",
            [SCHEMA],
        ).fetchall()
        found: dict[str, list[tuple[str, str]]] = {}
        for table, column, type_ in rows:
            found.setdefault(table, []).append((column, type_))
        for table, columns in wanted.items():
            expect = [(n, _PG_TYPES[t][1]) for n, t in columns]
            if found.get(table) != expect:
                raise UserError(
                    f"table {SCHEMA}.{table} in the PostgreSQL warehouse has columns "
                    f"{found.get(table)} but this version expects {expect}; it was made by "
                    "another version. Drop the schema raw (after a backup) and load again."
                )

    def copy_rows(self, row: Any, frame: pl.DataFrame) -> None:
        """The file's rows into raw.<extract> by COPY (CSV: strings quoted, null unquoted)."""
        columns = EXTRACTS[row.extract].columns
        meta = [c for c, _ in META_COLUMNS]
        out = frame.select(
            *columns,
            pl.lit(row.file_name, pl.String).alias("_file_name"),
            "_line_no",
            "_record_no",
            pl.lit(row.extract_date, pl.Date).alias("_extract_date"),
            pl.lit(row.file_seq, pl.Int32).alias("_file_seq"),
        )
        buf = io.StringIO(
            out.write_csv(include_header=False, quote_style="non_numeric", null_value="\\N")
        )
        names = ", ".join(q(c) for c in (*columns, *meta))
        self.cur.copy_expert(
            f"copy {SCHEMA}.{q(row.extract)} ({names}) from stdin with (format csv, null '\\N')",
            buf,
        )
