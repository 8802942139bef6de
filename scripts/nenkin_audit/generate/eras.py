"""Vectorised value formatting: era dates (GYYMMDD), ISO dates and timestamps for whole columns.

Agrees with `nenkin_audit.formats.date_to_era` (the tests hold the two to the same dates)."""

from __future__ import annotations

import numpy as np
import polars as pl

from ..formats import ERAS

_CODES = np.array(sorted(ERAS), dtype=np.int64)
_STARTS = np.array([ERAS[c][1] for c in sorted(ERAS)], dtype="datetime64[D]")
_FIRST_YEAR = np.array([ERAS[c][1].year for c in sorted(ERAS)], dtype=np.int64)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype="datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def era_ints(days: np.ndarray) -> np.ndarray:
    """GYYMMDD as integers (0 where the date is NaT)."""
    d = np.asarray(days, dtype="datetime64[D]")
    nat = np.isnat(d)
    safe = np.where(nat, _STARTS[-1], d)
    idx = np.searchsorted(_STARTS, safe, side="right") - 1
    if (idx < 0).any():
        raise ValueError("a date before 明治6年 cannot be written as an era date")
    y, m, dd = ymd(safe)
    val = _CODES[idx] * 1_000_000 + (y - _FIRST_YEAR[idx] + 1) * 10_000 + m * 100 + dd
    return np.where(nat, 0, val)


def era(days: np.ndarray) -> pl.Series:
    """Era date strings, null for NaT."""
    v = era_ints(days)
    s = pl.Series(v).cast(pl.String)
    return pl.select(pl.when(pl.lit(pl.Series(v)) > 0).then(s).otherwise(None)).to_series()


def iso(days: np.ndarray) -> pl.Series:
    """ISO dates `YYYY-MM-DD`, null for NaT."""
    return pl.Series(np.asarray(days, dtype="datetime64[D]")).dt.strftime("%Y-%m-%d")


def stamp(ts: np.ndarray) -> pl.Series:
    """ISO timestamps `YYYY-MM-DD HH:MM:SS`, null for NaT."""
    return pl.Series(np.asarray(ts, dtype="datetime64[s]").astype("datetime64[ms]")).dt.strftime(
        "%Y-%m-%d %H:%M:%S"
    )
