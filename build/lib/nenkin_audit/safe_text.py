"""Text that leaves the program for a person to read: log lines, cron mail, spreadsheets.

- `printable(text)`: a file name (or any delivered text) for a log line: control characters,
  line breaks and other non-printable characters are escaped (`\\n`, `\\x1b`, ...), so a name
  cannot forge or hide a line of the log.
- `neutralise_formula(text)`: a value a spreadsheet would run as a formula (starting with `=`,
  `+`, `-`, `@`, a tab or a carriage return; full-width forms included) gets a leading `'`, the
  spreadsheet convention for "this is text". Used wherever text is shown or exported
  (dashboards, CSV downloads).
"""

from __future__ import annotations

import unicodedata

import polars as pl

FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def printable(text: str) -> str:
    """`text` with every character that is not printable escaped; printable text unchanged."""
    out: list[str] = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable() and unicodedata.category(ch) not in ("Cf", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def neutralise_formula(text: str | None) -> str | None:
    """`text` made safe for a spreadsheet cell: a leading `'` when it would start a formula."""
    if text and text[0] in FORMULA_STARTS:
        return "'" + text
    return text


def neutralise_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `df` through `neutralise_formula` (for display and CSV download)."""
    starts = "".join(sorted(FORMULA_STARTS))
    pattern = "^[" + starts.replace("-", "\\-") + "]"
    return df.with_columns(
        pl.when(pl.col(c).str.contains(pattern))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in df.schema.items()
        if dtype == pl.String
    )
