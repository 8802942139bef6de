"""Writing the inbox: every file through `nenkin_audit.rawfile`, with the bookkeeping the ground
truth needs (manifest, the line of every labelled row, the labelled bad files)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..rawfile import CRLF, encode_extract, write_bytes_atomic
from ..spec import EXTRACTS, file_name

#: files with more records than this are encoded in slices (memory, not bytes, changes)
CHUNK_ROWS = 200_000
BAD_ROW_SCHEMA = {
    "file_name": pl.String,
    "line_no": pl.Int64,
    "extract": pl.String,
    "expected": pl.String,
    "reason_code": pl.String,
    "column": pl.String,
    "note": pl.String,
}
# Columns that carry free text in the generated city (everything else is a code, a number, a
# date or an identifier that never needs CSV quoting): only these are scanned for tricky values.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "atena": (
        "shimei",
        "shimei_kana",
        "zokugara",
        "jumin_jiyu",
        "address",
        "prev_address",
        "tennyu_moto_address",
        "tenshutsu_saki_address",
        "hittosha",
        "kokuseki",
        "tsusho",
        "zairyu_shikaku",
    ),
    "nenkin_kihon": ("tel", "tokki"),
    "shikaku": ("shutoku_jiyu", "shutoku_riyu", "soshitsu_jiyu", "soshitsu_riyu"),
    "saitei": ("nenkin_code", "shindansho"),
    "menjo": ("gakko_code",),
    "jps_kekka": ("shimei_kana", "henrei_riyu"),
    "access_log": ("screen_id", "subj_shimei", "subj_address"),
    "teikyo_iten": ("legal_basis", "file_name"),
    "staff": ("contractor_code",),
}
# hand-keyed digit fields where full-width digits occur (docs/raw-interface.md §2)
FULLWIDTH_COLS = ("kojin_no", "kiso_nenkin_no", "taisho_date")
FULLWIDTH_RE = "[０-９－]"


@dataclass
class FileBreak:
    """A planned file-level problem: applied to the first file of `extract` dated `after` or later."""

    extract: str
    kind: str  # missing_trailer, wrong_trailer_count, bad_header, bad_encoding, malformed_csv,
    #            bad_name, duplicate, utf8_bom, empty_file
    after: dt.date
    done: bool = False


@dataclass
class Output:
    out: Path
    truth: Path
    progress: Callable[[str], None] | None = None
    breaks: list[FileBreak] = field(default_factory=list)
    files: dict[str, dict] = field(default_factory=dict)
    bad_files: list[dict] = field(default_factory=list)
    bad_rows: list[pl.DataFrame] = field(default_factory=list)
    _seq: dict[tuple[str, str], int] = field(default_factory=dict)
    bytes_written: int = 0
    _pool: ThreadPoolExecutor | None = None
    _pending: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.truth.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ files
    def _next_name(self, extract: str, date: dt.date) -> str:
        key = (extract, date.strftime("%Y%m%d"))
        self._seq[key] = self._seq.get(key, 0) + 1
        return file_name(extract, key[1], self._seq[key])

    def _put(self, name: str, data: bytes, extract: str, rows: int) -> None:
        write_bytes_atomic(self.out / name, data)
        with self._lock:
            self.files[name] = {"extract": extract, "rows": rows}
            self.bytes_written += len(data)

    def _encode_and_put(self, name: str, frame: pl.DataFrame, extract: str) -> None:
        if frame.height > CHUNK_ROWS:
            self._put_chunked(name, frame, extract)
        else:
            self._put(name, encode_extract(frame, extract), extract, frame.height)

    def _submit(self, name: str, frame: pl.DataFrame, extract: str) -> None:
        """Write on one background thread (file I/O and polars release the GIL), keeping at most
        a few files in flight; errors surface on the next call or in `drain`."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-writer")
        self._pending.append(self._pool.submit(self._encode_and_put, name, frame, extract))
        while len(self._pending) > 2:
            self._pending.popleft().result()

    def close(self) -> None:
        """Stop the writer thread without waiting for queued files (after an error)."""
        if self._pool is not None:
            for f in self._pending:
                f.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._pending.clear()

    def drain(self) -> None:
        """Wait until every submitted file is on disk."""
        while self._pending:
            self._pending.popleft().result()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _put_chunked(self, name: str, frame: pl.DataFrame, extract: str) -> None:
        """A large file written in slices (each encoded by rawfile.encode_extract; the header of
        every slice after the first is dropped and one trailer closes the file), so that the
        text of a 1.4M-record file never sits in memory at once. Same bytes as one call."""
        path = self.out / name
        tmp = path.with_name(f".{path.name}.part")
        size = 0
        with open(tmp, "wb") as fh:
            for k, start in enumerate(range(0, frame.height, CHUNK_ROWS)):
                part = encode_extract(frame.slice(start, CHUNK_ROWS), extract, with_trailer=False)
                if k:
                    part = part[part.index(CRLF.encode()) + 2 :]
                fh.write(part)
                size += len(part)
            tail = f"TRAILER,{frame.height}{CRLF}".encode("cp932")
            fh.write(tail)
            size += len(tail)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        with self._lock:
            self.files[name] = {"extract": extract, "rows": frame.height}
            self.bytes_written += size

    def write(self, extract: str, date: dt.date, df: pl.DataFrame) -> str | None:
        """Write one extract file dated `date` (a frame with the extract's columns, as text, plus
        optional `_bad_*` marks). Returns the file name (None for an empty frame)."""
        if df.height == 0:
            return None
        columns = EXTRACTS[extract].columns
        marks = _marks(df, extract)
        frame = df.select(
            [
                pl.when(pl.col(c).cast(pl.String) == "")
                .then(None)
                .otherwise(pl.col(c).cast(pl.String))
                .alias(c)
                for c in columns
            ]
        )
        brk = self._take_break(extract, date)
        encoding = "cp932"
        if brk is not None and brk.kind not in ("duplicate", "utf8_bom", "bad_name", "empty_file"):
            self._write_broken(extract, date, frame, brk.kind)
        if brk is not None and brk.kind == "utf8_bom":
            encoding = "utf-8-sig"
        name = self._next_name(extract, date)
        if brk is None:
            # the common case: encode and write on the writer thread while the caller goes on
            self._submit(name, frame, extract)
            data = b""
        else:
            data = encode_extract(frame, extract, encoding=encoding)
            self._put(name, data, extract, frame.height)
        if brk is not None and brk.kind == "utf8_bom":
            self.bad_files.append(_bf(name, "loaded", "", "UTF-8 with BOM: a valid file"))
        if marks is not None and marks.height:
            self.bad_rows.append(_line_numbers(frame, marks, name, extract))
        if brk is not None and brk.kind == "duplicate":
            dup = self._next_name(extract, date)
            self._put(dup, data, extract, frame.height)
            self.bad_files.append(
                _bf(dup, "duplicate", name, f"byte-identical redelivery of {name}")
            )
        if brk is not None and brk.kind == "bad_name":
            bad = f"{extract}_{date:%Y%m%d}.csv"  # no sequence number
            # the same records sent under a wrong name, with bare LF line ends (other bytes)
            self._put(bad, encode_extract(frame, extract, newline="\n"), extract, frame.height)
            self.bad_files.append(
                _bf(
                    bad,
                    "rejected",
                    "bad_name",
                    f"name without sequence; its rows are also in {name}",
                )
            )
        if brk is not None and brk.kind == "empty_file":
            empty = self._next_name(extract, date)
            self._put(empty, b"", extract, 0)
            self.bad_files.append(_bf(empty, "rejected", "empty_file", "zero bytes"))
        return name

    def _take_break(self, extract: str, date: dt.date) -> FileBreak | None:
        for b in self.breaks:
            if not b.done and b.extract == extract and date >= b.after:
                b.done = True
                return b
        return None

    def _write_broken(self, extract: str, date: dt.date, frame: pl.DataFrame, kind: str) -> None:
        """A failed first attempt (rejected whole); the good file follows with the next sequence."""
        name = self._next_name(extract, date)
        if kind == "missing_trailer":
            data = encode_extract(frame, extract, with_trailer=False)
            note = "transfer cut before the trailer; complete file follows"
        elif kind == "wrong_trailer_count":
            data = encode_extract(frame, extract, trailer_count=frame.height + 7)
            note = "trailer count does not match the records; complete file follows"
        elif kind == "bad_header":
            text = encode_extract(frame, extract).decode("cp932")
            cols = list(EXTRACTS[extract].columns)
            header = ",".join(cols[:2][::-1] + cols[2:])  # two columns swapped
            data = (header + text[text.index(CRLF) :]).encode("cp932")
            note = "header columns out of order; corrected file follows"
        elif kind == "bad_encoding":
            good = encode_extract(frame, extract)
            cut = good.index(CRLF.encode()) + 2
            data = good[:cut] + b"\x85\x40\x81" + good[cut:]  # not CP932
            note = "bytes that are not CP932 in the first record; corrected file follows"
        elif kind == "malformed_csv":
            text = encode_extract(frame, extract).decode("cp932")
            i = text.index(CRLF) + 2
            j = text.index(CRLF, i)
            data = (text[:j] + ",surplus" + text[j:]).encode("cp932")
            note = "one record has a field too many; corrected file follows"
        else:  # pragma: no cover - planning error
            raise ValueError(kind)
        self._put(name, data, extract, frame.height)
        self.bad_files.append(_bf(name, "rejected", kind, note))

    # ------------------------------------------------------------------ truth
    def write_truth_csv(self, name: str, df: pl.DataFrame) -> None:
        df.write_csv(self.truth / name, null_value="")

    def finish(self, manifest: dict) -> dict:
        self.drain()
        manifest = {**manifest, "files": dict(sorted(self.files.items()))}
        (self.truth / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
            encoding="utf-8",
        )
        bf = pl.DataFrame(
            self.bad_files,
            schema={
                "file_name": pl.String,
                "expected_status": pl.String,
                "expected_reason": pl.String,
                "note": pl.String,
            },
        ).sort("file_name")
        self.write_truth_csv("bad_files.csv", bf)
        rows = (
            pl.concat(self.bad_rows) if self.bad_rows else pl.DataFrame(schema=BAD_ROW_SCHEMA)
        ).sort("file_name", "line_no")
        self.write_truth_csv("bad_rows.csv", rows)
        return manifest


def _bf(name: str, status: str, reason: str, note: str) -> dict:
    return {"file_name": name, "expected_status": status, "expected_reason": reason, "note": note}


def _marks(df: pl.DataFrame, extract: str) -> pl.DataFrame | None:
    """Row index, expected, reason_code, column, note for every labelled row of the frame:
    injected problems (`_bad_*` columns) and tricky-but-valid rows found in the values."""
    columns = EXTRACTS[extract].columns
    n = df.height
    text_cols = [c for c in FREE_TEXT.get(extract, ()) if c in columns]
    exprs = [
        pl.when(pl.col(c).str.contains_any([",", '"', "\n", "\r"])).then(pl.lit(c)).otherwise(None)
        for c in text_cols
    ]
    quoted = (
        df.select(pl.coalesce(exprs).alias("q"))["q"]
        if exprs
        else pl.Series("q", [None] * n, pl.String)
    )
    tricky = []
    if "kiso_nenkin_no" in columns:
        hy = df["kiso_nenkin_no"].cast(pl.String).fill_null("").str.contains(r"^\d{4}-\d{6}$")
        tricky.append(("hyphenated_kiso", "kiso_nenkin_no", hy))
    fw_cols = [c for c in FULLWIDTH_COLS if c in columns] if extract == "todokede" else []
    fw = None
    if fw_cols:
        fwe = [
            pl.when(pl.col(c).cast(pl.String).fill_null("").str.contains(FULLWIDTH_RE))
            .then(pl.lit(c))
            .otherwise(None)
            for c in fw_cols
        ]
        fw = df.select(pl.coalesce(fwe).alias("f"))["f"]
    has_bad = "_bad_code" in df.columns
    if (
        not has_bad
        and quoted.null_count() == n
        and not any(t[2].any() for t in tricky)
        and (fw is None or fw.null_count() == n)
    ):
        return None
    code = df["_bad_code"].fill_null("") if has_bad else pl.Series([""] * n)
    col = df["_bad_column"].fill_null("") if has_bad else pl.Series([""] * n)
    note = df["_bad_note"].fill_null("") if has_bad else pl.Series([""] * n)
    out = pl.DataFrame({"idx": range(n), "code": code, "col": col, "note": note, "q": quoted})
    out = out.with_columns(
        expected=pl.when(pl.col("code") != "").then(pl.lit("quarantine")),
    )
    reason = pl.col("code")
    column = pl.col("col")
    notes = pl.col("note")
    for label, c, mask in tricky:
        m = pl.lit(mask) & pl.col("expected").is_null()
        out = out.with_columns(
            expected=pl.when(m).then(pl.lit("accepted")).otherwise(pl.col("expected")),
            code=pl.when(m).then(pl.lit(label)).otherwise(reason),
            col=pl.when(m).then(pl.lit(c)).otherwise(column),
            note=pl.when(m).then(pl.lit("基礎年金番号 as NNNN-NNNNNN")).otherwise(notes),
        )
    if fw is not None:
        m = pl.lit(fw).is_not_null() & pl.col("expected").is_null()
        out = out.with_columns(
            expected=pl.when(m).then(pl.lit("accepted")).otherwise(pl.col("expected")),
            code=pl.when(m).then(pl.lit("full_width_digits")).otherwise(reason),
            col=pl.when(m).then(pl.lit(fw)).otherwise(column),
            note=pl.when(m).then(pl.lit("hand-keyed full-width digits")).otherwise(notes),
        )
    m = pl.col("q").is_not_null() & pl.col("expected").is_null()
    out = out.with_columns(
        expected=pl.when(m).then(pl.lit("accepted")).otherwise(pl.col("expected")),
        code=pl.when(m).then(pl.lit("quoted_field")).otherwise(reason),
        col=pl.when(m).then(pl.col("q")).otherwise(column),
        note=pl.when(m).then(pl.lit("field with a comma, quote or line break")).otherwise(notes),
    )
    return out.filter(pl.col("expected").is_not_null()).select(
        "idx", "expected", "code", "col", "note"
    )


def _line_numbers(
    frame: pl.DataFrame, marks: pl.DataFrame, name: str, extract: str
) -> pl.DataFrame:
    """Physical line where each marked record starts (header = line 1; quoted line breaks count)."""
    cols = [c for c in FREE_TEXT.get(extract, ()) if c in frame.columns]
    line = pl.Series(range(frame.height), dtype=pl.Int64) + 2
    if cols:
        nl = frame.select(
            pl.sum_horizontal(
                [pl.col(c).fill_null("").str.count_matches("\n", literal=True) for c in cols]
            ).alias("nl")
        )["nl"]
        if nl.sum():
            line = line + (nl.cum_sum() - nl)
    return marks.select(
        pl.lit(name).alias("file_name"),
        pl.Series("line_no", line.gather(marks["idx"]).cast(pl.Int64)),
        pl.lit(extract).alias("extract"),
        pl.col("expected"),
        pl.col("code").alias("reason_code"),
        pl.col("col").alias("column"),
        pl.col("note"),
    )
