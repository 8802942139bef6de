"""CSV exports from the dashboards: spreadsheet formula injection neutralised, each export
logged with its user and time (`<home>/logs/exports.log`)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import polars as pl

#: a cell starting with one of these is read as a formula by spreadsheet programs
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = r"^[=+\-@\t\r]"


def neutralise(value: str) -> str:
    """A leading apostrophe keeps a spreadsheet from evaluating the cell."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_safe_csv(df: pl.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a BOM (Excel reads Japanese correctly), every cell safe."""
    text = df.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_RE))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in df.schema.items()
        if dtype == pl.String
    )
    buf = io.StringIO()
    text.write_csv(buf)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def log_export(log_file: Path, user: str, what: str, rows: int) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "at": datetime.now().isoformat(timespec="seconds"),
        "user": user,
        "export": what,
        "rows": rows,
    }
    with open(log_file, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")
