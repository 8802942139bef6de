"""Review decisions on access-audit cases: an append-only DuckDB file in the home
(`<home>/reviews.duckdb`), outside the published mart, so a rebuild or a swap of the mart never
loses or blocks a decision, and a decision never blocks a build (`run` never opens this file;
the dashboards open it only for the moment of a read or an append).

A correction is a new decision for the same case: nothing is updated or deleted, the history
stays, and the latest decision of a case is its current one."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from .errors import UserError

#: the fixed list of dispositions, in the order a reviewer sees them
DISPOSITIONS: tuple[str, ...] = ("業務上正当", "要確認", "不正の疑い・上申", "誤検知")

_DDL = """
create sequence if not exists decision_seq start 1;
create table if not exists decisions (
    decision_id bigint primary key default nextval('decision_seq'),
    case_id varchar not null,
    disposition varchar not null,
    reason varchar not null,
    reviewer varchar not null,
    decided_at timestamp not null
);
"""


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A short-lived connection; waits briefly when another writer holds the file."""
    for attempt in range(20):
        try:
            if read_only and not path.is_file():
                return duckdb.connect(":memory:")
            con = duckdb.connect(str(path), read_only=read_only)
            if not read_only:
                con.execute(_DDL)
            return con
        except duckdb.IOException:
            if attempt == 19:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


def record(path: Path, case_id: str, disposition: str, reason: str, reviewer: str) -> int:
    """Append one decision; returns its id."""
    if disposition not in DISPOSITIONS:
        raise UserError(f"disposition {disposition!r} is not one of {', '.join(DISPOSITIONS)}")
    if not reason.strip():
        raise UserError("a decision needs a reason")
    if not reviewer:
        raise UserError("a decision needs its reviewer")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=False)
    try:
        row = con.execute(
            "insert into decisions (case_id, disposition, reason, reviewer, decided_at) "
            "values (?, ?, ?, ?, ?) returning decision_id",
            [case_id, disposition, reason.strip(), reviewer, datetime.now().replace(microsecond=0)],
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0])


_EMPTY = pl.DataFrame(
    schema={
        "decision_id": pl.Int64,
        "case_id": pl.String,
        "disposition": pl.String,
        "reason": pl.String,
        "reviewer": pl.String,
        "decided_at": pl.Datetime("us"),
    }
)


def history(path: Path, case_ids: list[str] | None = None) -> pl.DataFrame:
    """Every decision (of the given cases), oldest first."""
    if not path.is_file():
        return _EMPTY.clone()
    con = _connect(path, read_only=True)
    try:
        tables = con.sql("select table_name from information_schema.tables").pl()
        if "decisions" not in tables["table_name"].to_list():
            return _EMPTY.clone()
        df = con.sql("select * from decisions order by decided_at, decision_id").pl()
    finally:
        con.close()
    if case_ids is not None:
        df = df.filter(pl.col("case_id").is_in(case_ids))
    return df


def current(path: Path) -> pl.DataFrame:
    """The latest decision of each case."""
    df = history(path)
    return df.sort("decision_id").group_by("case_id", maintain_order=True).last()
