"""The load ledger `raw.load_files`: one row per file (docs/published-contract.md §2), read once
per run and kept in memory, written in the same transaction as the file's raw rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

import duckdb

from .schema import LEDGER_COLUMNS, LEDGER_TABLE, SCHEMA


@dataclass(frozen=True)
class LedgerRow:
    file_name: str
    sha256: str
    extract: str | None
    extract_date: dt.date | None
    file_seq: int | None
    encoding: str | None
    data_rows: int | None
    loaded_rows: int
    status: str  # 'loaded' | 'duplicate' | 'rejected'
    reason: str | None
    loaded_at: dt.datetime
    moved_to: str | None  # relative to the inbox: '_loaded/<name>' or '_rejected/<name>'


assert tuple(f.name for f in fields(LedgerRow)) == tuple(c for c, _ in LEDGER_COLUMNS)

_COLS = ", ".join(c for c, _ in LEDGER_COLUMNS)


class Ledger:
    def __init__(self, rows: list[LedgerRow]) -> None:
        self.by_name_sha: dict[tuple[str, str], LedgerRow] = {}
        # the most recent row of each (name, sha256): the one whose move a stopped run may owe
        self.latest_by_name_sha: dict[tuple[str, str], LedgerRow] = {}
        self.loaded_by_sha: dict[str, LedgerRow] = {}
        self.loaded_by_name: dict[str, LedgerRow] = {}
        self.moved_to: set[str] = set()
        for row in rows:
            self._remember(row)

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Ledger:
        rows = con.execute(
            f"select {_COLS} from {SCHEMA}.{LEDGER_TABLE} order by loaded_at, file_name"
        ).fetchall()
        return cls([LedgerRow(*r) for r in rows])

    def _remember(self, row: LedgerRow) -> None:
        self.by_name_sha.setdefault((row.file_name, row.sha256), row)
        self.latest_by_name_sha[(row.file_name, row.sha256)] = row
        if row.status == "loaded":
            self.loaded_by_sha.setdefault(row.sha256, row)
            self.loaded_by_name.setdefault(row.file_name, row)
        if row.moved_to:
            self.moved_to.add(row.moved_to)

    def insert(self, con: duckdb.DuckDBPyConnection, row: LedgerRow) -> None:
        """Add the row inside the caller's open transaction (remembered once it is called)."""
        placeholders = ", ".join("?" for _ in LEDGER_COLUMNS)
        con.execute(
            f"insert into {SCHEMA}.{LEDGER_TABLE} ({_COLS}) values ({placeholders})",
            [getattr(row, c) for c, _ in LEDGER_COLUMNS],
        )

    def committed(self, row: LedgerRow) -> None:
        self._remember(row)

    def record_move(self, con: duckdb.DuckDBPyConnection, row: LedgerRow, target: str) -> None:
        """Fill in where a file recorded without a place (by a version that left processed
        files in the inbox) has now been moved."""
        con.execute(
            f"update {SCHEMA}.{LEDGER_TABLE} set moved_to = ? "
            "where file_name = ? and sha256 = ? and status = ? and moved_to is null",
            [target, row.file_name, row.sha256, row.status],
        )
        self._remember(replace(row, moved_to=target))
