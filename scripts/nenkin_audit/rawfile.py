"""Writing extract files exactly as the raw interface (docs/raw-interface.md §1) delivers them.

Used by the generator and by tests that need a hand-made file: CP932 (or UTF-8 with BOM), CRLF,
header line, RFC 4180 quoting, `TRAILER,<n>` as the last line."""

from __future__ import annotations

import io
import os
from pathlib import Path

import polars as pl

from .spec import EXTRACTS

CRLF = "\r\n"
UTF8_BOM = b"\xef\xbb\xbf"


def render_csv(df: pl.DataFrame, columns: tuple[str, ...] | list[str]) -> str:
    """Header + data lines (CRLF, RFC 4180 quoting), every value written as text, null as empty."""
    frame = df.select([pl.col(c).cast(pl.String) for c in columns])
    buf = io.StringIO()
    frame.write_csv(buf, line_terminator=CRLF, quote_style="necessary", null_value="")
    return buf.getvalue()


def encode_extract(
    df: pl.DataFrame,
    extract: str,
    *,
    encoding: str = "cp932",
    trailer_count: int | None = None,
    with_trailer: bool = True,
    newline: str = CRLF,
) -> bytes:
    """The bytes of one extract file. `encoding` is `cp932` or `utf-8-sig` (UTF-8 with BOM).

    `trailer_count` overrides the record count in the trailer and `with_trailer=False` leaves it
    out: both exist only to make broken files for tests and for the generator's bad input."""
    columns = EXTRACTS[extract].columns
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{extract}: frame lacks columns {missing}")
    text = render_csv(df, columns)
    if with_trailer:
        n = df.height if trailer_count is None else trailer_count
        text += f"TRAILER,{n}{CRLF}"
    if newline != CRLF:
        text = text.replace(CRLF, newline)
    if encoding == "utf-8-sig":
        return UTF8_BOM + text.encode("utf-8")
    if encoding != "cp932":
        raise ValueError("encoding must be cp932 or utf-8-sig")
    return text.encode("cp932")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary name and rename, so a reader of the inbox never sees half a file."""
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_extract(df: pl.DataFrame, extract: str, path: Path, **kwargs) -> Path:
    write_bytes_atomic(path, encode_extract(df, extract, **kwargs))
    return path
