"""CSV exports from the dashboards: spreadsheet formula injection neutralised, each export
logged with its user and time (`<home>/logs/exports.log`)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import polars as pl

from .safe_text import neutralise_frame


def to_safe_csv(df: pl.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a BOM (Excel reads Japanese correctly), every cell safe."""
    text = neutralise_frame(df)
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
