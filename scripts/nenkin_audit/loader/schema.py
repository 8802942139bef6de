"""The raw layer's tables (docs/internal-contracts.md §A): one `raw.<extract>` per extract of
the raw interface, all text, plus the `raw.load_files` ledger."""

from __future__ import annotations

import duckdb

from ..errors import UserError
from ..spec import EXTRACTS

SCHEMA = "raw"
LEDGER_TABLE = "load_files"

# Columns appended to every raw table after the extract's own (varchar) columns.
META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_file_name", "VARCHAR"),
    ("_line_no", "BIGINT"),
    ("_record_no", "BIGINT"),
    ("_extract_date", "DATE"),
    ("_file_seq", "INTEGER"),
)

LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file_name", "VARCHAR"),
    ("sha256", "VARCHAR"),
    ("extract", "VARCHAR"),
    ("extract_date", "DATE"),
    ("file_seq", "INTEGER"),
    ("encoding", "VARCHAR"),
    ("data_rows", "BIGINT"),
    ("loaded_rows", "BIGINT"),
    ("status", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("loaded_at", "TIMESTAMP"),
    ("moved_to", "VARCHAR"),
)


def raw_columns(extract: str) -> tuple[tuple[str, str], ...]:
    """(name, DuckDB type) of `raw.<extract>`, in table order."""
    return tuple((c, "VARCHAR") for c in EXTRACTS[extract].columns) + META_COLUMNS


def _ddl(table: str, columns: tuple[tuple[str, str], ...]) -> str:
    cols = ",\n    ".join(f'"{name}" {type_.lower()}' for name, type_ in columns)
    return f'create table if not exists {SCHEMA}."{table}" (\n    {cols}\n)'


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, the 14 extract tables and the ledger where missing; refuse to work
    on tables whose columns differ from the contract (an older or foreign warehouse)."""
    wanted = {name: raw_columns(name) for name in EXTRACTS} | {LEDGER_TABLE: LEDGER_COLUMNS}
    con.execute("begin")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        for table, columns in wanted.items():
            con.execute(_ddl(table, columns))
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    rows = con.execute(
        """
        select table_name, column_name, data_type
        from information_schema.columns
        where table_schema = ?
        order by table_name, ordinal_position
        """,
        [SCHEMA],
    ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, type_ in rows:
        found.setdefault(table, []).append((column, type_.upper()))
    for table, columns in wanted.items():
        if tuple(found.get(table, ())) != columns:
            raise UserError(
                f"table {SCHEMA}.{table} in the warehouse has columns {found.get(table)} but this "
                f"version expects {list(columns)}; the warehouse was made by another version. "
                "Move the warehouse file aside and load the inbox into a new one."
            )
