"""Checking and parsing an extract file (docs/raw-interface.md §1) into its data records, losslessly.

The file's bytes are decoded (CP932, or UTF-8 after a BOM), the header and the trailer are
checked, and the data records are split by the rules of RFC 4180: a line break ends a record
unless it sits inside a quoted field, i.e. unless an odd number of `"` precede it. Records
without any `"`, or whose only quotes are empty fields written `""` (nearly all records in
practice), are checked for their field count with numpy and parsed together by polars (record i
of them on its own physical line); the few that hold quoted text are parsed one by one with
Python's csv module (strict mode). Every field keeps its text exactly as delivered after
unquoting; an empty field is ''.

Any breach raises `FileRejected` with a reason code (docs/internal-contracts.md §A) and a
sentence for the operator: what is wrong, where in the file, and what to do."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

UTF8_BOM = b"\xef\xbb\xbf"
CP932 = "cp932"
UTF8_SIG = "utf-8-sig"

_TRAILER_RE = re.compile(rb"TRAILER,(.*)", re.DOTALL)
# A trailer line inside the body: at the body's start or after a line break.
_TRAILER_START = b"TRAILER,"
_NL, _CR, _COMMA, _QUOTE = 10, 13, 44, 34
_BARE_CR = re.compile(rb"\r(?!\n)")
# One record by RFC 4180: fields either quoted ("" inside) or free of quotes, commas, CR and LF;
# used on the few records that hold a quote (a quote in the middle of a field is not CSV).
_FIELD = rb'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
_RFC4180_RECORD = re.compile(_FIELD + rb"(?:," + _FIELD + rb")*\r?\n", re.DOTALL)
_BLANK = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*")
_SLICE = 1 << 25  # bytes per slice when counting commas

csv.field_size_limit(1 << 30)


class FileRejected(Exception):
    """The file breaks a file rule and is rejected whole."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        encoding: str | None = None,
        data_rows: int | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.encoding = encoding
        self.data_rows = data_rows


@dataclass(frozen=True)
class ParsedFile:
    encoding: str  # 'cp932' | 'utf-8-sig'
    data_rows: int  # the trailer's count, equal to the number of records
    # The extract's columns (String) in spec order, then _line_no and _record_no (Int64).
    frame: pl.DataFrame
    quoted_records: int  # records that needed the csv module (they hold a `"`)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# Messages say what is wrong and where (line, column, byte offset), never a delivered value: they
# go to the cron log, the ledger and the reason file, and a value may be personal data.

# Bytes CP932 (Windows-31J) does not define, which Python's codec still maps to U+0080 and to
# private-use characters instead of failing: 0x80, 0xA0, 0xFD, 0xFE, 0xFF as single bytes.
_CP932_UNDEFINED = ("\u0080", "\uf8f0", "\uf8f1", "\uf8f2", "\uf8f3")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
MAX_TRAILER_DIGITS = 18  # the ledger's data_rows is a bigint


def _first_undefined(text: str) -> int | None:
    """Index of the first character that stands for a byte CP932 does not define, or None
    (str.find per character: a character class is matched several times slower)."""
    found = [i for ch in _CP932_UNDEFINED if (i := text.find(ch)) >= 0]
    return min(found) if found else None


def decode(data: bytes) -> tuple[str, bytes]:
    """(encoding, UTF-8 bytes without BOM) of a file, or FileRejected('bad_encoding')."""
    if data.startswith(UTF8_BOM):
        payload = data[len(UTF8_BOM) :]
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRejected(
                "bad_encoding",
                f"the file starts with a UTF-8 byte order mark but byte 0x{payload[exc.start]:02x} "
                f"on line {_line_of(payload, exc.start)} is not valid UTF-8. Ask the sender to "
                "deliver the file again in CP932, or in UTF-8 starting with the BOM.",
            ) from None
        return UTF8_SIG, payload
    if data.startswith(_UTF16_BOMS) or b"\x00" in data:
        at = data.find(b"\x00")
        where = (
            "starts with a UTF-16 byte order mark"
            if data.startswith(_UTF16_BOMS)
            else (f"holds a NUL byte on line {_line_of(data, at)} (byte offset {at})")
        )
        raise FileRejected(
            "bad_encoding",
            f"the file {where}: it is UTF-16 (or binary), not CP932. Ask the sender to deliver "
            "the file again in CP932 (or in UTF-8 starting with a byte order mark).",
        )
    if not data.isascii():
        # Valid UTF-8 with non-ASCII text is UTF-8 delivered without its BOM: read as CP932 it
        # would load as garbled text (or fail on a byte CP932 lacks). Real CP932 Japanese text
        # is never valid UTF-8 (its lead bytes are UTF-8 continuation bytes).
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise FileRejected(
                "bad_encoding",
                "the file is UTF-8 without a byte order mark; read as CP932 its Japanese text "
                "would be garbled. Ask the sender to deliver it in CP932, or in UTF-8 starting "
                "with the BOM (EF BB BF).",
            )
    try:
        text = data.decode(CP932)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            "bad_encoding",
            f"byte 0x{data[exc.start]:02x} on line {_line_of(data, exc.start)} (byte offset "
            f"{exc.start}) is not valid CP932 (Windows-31J), the encoding the raw interface "
            "requires. Ask the sender to deliver the file again in CP932 (or in UTF-8 starting "
            "with a byte order mark).",
        ) from None
    undefined = _first_undefined(text)
    if undefined is not None:
        at = len(text[:undefined].encode(CP932))
        raise FileRejected(
            "bad_encoding",
            f"byte 0x{data[at]:02x} on line {_line_of(data, at)} (byte offset {at}) is not a "
            "character of CP932 (Windows-31J), the encoding the raw interface requires. Ask the "
            "sender to deliver the file again in CP932 (or in UTF-8 starting with a byte order "
            "mark).",
        )
    return CP932, text.encode("utf-8")


def _inner_trailer_at(body: bytes) -> int | None:
    """Offset in `body` of a line that starts with 'TRAILER,', or None (bytes.find: a regular
    expression anchored at line starts scans the gigabytes of a year's log ten times slower)."""
    if body.startswith(_TRAILER_START):
        return 0
    at = body.find(b"\n" + _TRAILER_START)
    return None if at < 0 else at + 1


def parse_extract(data: bytes, columns: tuple[str, ...]) -> ParsedFile:
    """Check every file rule and return the data records, or raise FileRejected."""
    if _BLANK.fullmatch(data):
        raise FileRejected(
            "empty_file",
            f"the file is empty ({len(data)} bytes, no header, no trailer): probably a failed "
            "transfer. Ask the sender to deliver the file again.",
        )
    encoding, u = decode(data)

    if b"\n" not in u and b"\r" in u:
        raise FileRejected(
            "malformed_csv",
            "the lines end in a carriage return (CR) only, without line feed (LF): the raw "
            "interface requires CRLF (or LF). Nothing of the file was loaded; ask the sender to "
            "deliver it again with CRLF line ends.",
            encoding=encoding,
        )

    # Line 1: the header.
    header_end = u.find(b"\n")
    header = u[: header_end if header_end >= 0 else len(u)]
    header = header.removesuffix(b"\r")
    expected = ",".join(columns).encode()
    if header != expected:
        got = header.split(b",")
        detail = ""
        for i, name in enumerate(columns):
            if i >= len(got):
                detail = f" (column {i + 1} {name!r} is missing)"
                break
            if got[i] != name.encode():
                detail = f" (column {i + 1} is not {name!r})"
                break
        else:
            if len(got) > len(columns):
                detail = f" ({len(got) - len(columns)} column(s) too many)"
        raise FileRejected(
            "bad_header",
            f"line 1 ({len(header)} bytes) is not the header {expected.decode()!r}{detail}. "
            "Ask the sender to deliver the file with the header of the raw interface.",
            encoding=encoding,
        )

    # Last line: the trailer (line breaks after it are tolerated).
    end = len(u)
    while end > 0 and u[end - 1] in (_NL, _CR):
        end -= 1
    last_nl = u.rfind(b"\n", 0, end)
    has_more_lines = header_end >= 0 and last_nl >= header_end
    last_line = u[last_nl + 1 : end] if has_more_lines else b""
    m = _TRAILER_RE.fullmatch(last_line) if has_more_lines else None
    last_line_no = _line_of(u, last_nl + 1) if has_more_lines else 1
    if m is None:
        what = f"line {last_line_no}" if last_line else "the header"
        raise FileRejected(
            "missing_trailer",
            f"the last line ({what}) is not 'TRAILER,<number of records>': the transfer was cut "
            "off. Nothing of the file was loaded; ask the sender to deliver the complete file "
            "again.",
            encoding=encoding,
        )
    count_text = m.group(1)
    if not (count_text.isdigit() and count_text.isascii()):
        raise FileRejected(
            "wrong_trailer_count",
            f"the trailer's record count (line {last_line_no}) is not a whole number written in "
            "ASCII digits. Nothing of the file was loaded; ask the sender to deliver the file "
            "again.",
            encoding=encoding,
        )
    if len(count_text.lstrip(b"0")) > MAX_TRAILER_DIGITS:
        raise FileRejected(
            "wrong_trailer_count",
            f"the trailer's record count (line {last_line_no}) has {len(count_text)} digits, "
            f"more than the {MAX_TRAILER_DIGITS} any file can hold. Nothing of the file was "
            "loaded; ask the sender to deliver the file again.",
            encoding=encoding,
        )
    data_rows = int(count_text)

    body = u[header_end + 1 : last_nl + 1]
    inner_trailer = _inner_trailer_at(body)
    if inner_trailer is not None:
        line = _line_of(u, header_end + 1 + inner_trailer)
        raise FileRejected(
            "misplaced_trailer",
            f"line {line} is a trailer line but not the last line (a second trailer: two "
            "transfers joined, or a file appended to). Nothing of the file was loaded; ask the "
            "sender to deliver the file again, with exactly one trailer as its last line.",
            encoding=encoding,
            data_rows=data_rows,
        )
    try:
        frame, quoted = parse_records(body, columns, first_line=2)
    except FileRejected as exc:
        exc.encoding, exc.data_rows = encoding, data_rows
        raise
    if frame.height != data_rows:
        raise FileRejected(
            "wrong_trailer_count",
            f"the trailer says {data_rows} data records but the file holds {frame.height}: the "
            "file is incomplete or was altered. Nothing of the file was loaded; ask the sender "
            "to deliver the complete file again.",
            encoding=encoding,
            data_rows=data_rows,
        )
    return ParsedFile(encoding, data_rows, frame, quoted)


def _malformed(line: int, what: str) -> FileRejected:
    return FileRejected(
        "malformed_csv",
        f"line {line}: {what}. Nothing of the file was loaded; ask the sender to deliver it "
        "again as correct CSV (a field holding a comma, a quote or a line break is enclosed in "
        'double quotes, a quote inside it doubled as "").',
    )


def parse_records(
    body: bytes, columns: tuple[str, ...], *, first_line: int
) -> tuple[pl.DataFrame, int]:
    """The records of `body` (UTF-8, every record ending in a line break): the columns as text,
    then `_line_no` (physical line where the record starts; `body` starts at `first_line`) and
    `_record_no` (1-based). Returns (frame, number of records that held a quote)."""
    ncols = len(columns)
    if not body:
        return _with_positions(_empty(columns), np.empty(0, np.int64)), 0
    a = np.frombuffer(body, dtype=np.uint8)
    nl = np.flatnonzero(a == _NL)
    quotes = np.flatnonzero(a == _QUOTE)

    problems: list[tuple[int, str]] = []  # (line, what): the earliest is reported
    empty_pairs = np.empty(0, np.int64)
    if quotes.size:
        # A line break ends a record when an even number of quotes precede it.
        odd = (np.searchsorted(quotes, nl) & 1).astype(bool)
        ends = nl[~odd]
        if odd[-1]:
            start = int(ends[-1]) + 1 if ends.size else 0
            line = first_line + int(np.searchsorted(nl, start))
            problems.append((line, "a quoted field opened here is never closed"))
        starts = np.concatenate(([0], ends[:-1] + 1)) if ends.size else np.empty(0, np.int64)
        empty_pairs = _empty_quoted_fields(a, quotes)
        empty_pairs = empty_pairs[empty_pairs < (ends[-1] if ends.size else 0)]
        in_record = np.searchsorted(quotes, ends) - np.searchsorted(quotes, starts)
        removable = 2 * (np.searchsorted(empty_pairs, ends) - np.searchsorted(empty_pairs, starts))
        quoted = in_record > removable
    else:
        ends = nl
        starts = np.concatenate(([0], ends[:-1] + 1))
        quoted = np.zeros(ends.size, dtype=bool)
    line_nos = first_line + np.searchsorted(nl, starts).astype(np.int64)

    # Records without quotes, or whose only quotes are empty fields written as "": one physical
    # line each, parsed together by polars.
    plain_idx = np.flatnonzero(~quoted)
    if plain_idx.size == ends.size:
        plain = body[: int(ends[-1]) + 1] if ends.size else b""
    else:
        plain = b"".join(body[int(starts[i]) : int(ends[j]) + 1] for i, j in _runs(plain_idx))
    crs = plain.count(b"\r")
    if crs and crs != plain.count(b"\r\n"):
        bare = _BARE_CR.search(plain)
        assert bare is not None
        k = plain.count(b"\n", 0, bare.start())
        problems.append((int(line_nos[plain_idx[k]]), "a carriage return (CR) without line feed"))
    plain_frame = None
    if plain_idx.size:
        per_line = _commas_per_line(plain)
        bad = np.flatnonzero(per_line != ncols - 1)
        if bad.size:
            k = int(bad[0])
            problems.append(
                (
                    int(line_nos[plain_idx[k]]),
                    f"{int(per_line[k]) + 1} fields where the header has {ncols}",
                )
            )
        if not problems:
            plain_frame = pl.read_csv(
                plain,
                has_header=False,
                schema=dict.fromkeys(columns, pl.String),
                # Only `""` (an empty field) can be quoted here.
                quote_char='"' if empty_pairs.size else None,
                empty_string_is_null=False,
                raise_if_empty=False,
                comment_prefix=None,
                truncate_ragged_lines=False,
            )
            nulls = plain_frame.null_count().sum_horizontal()[0]
            if plain_frame.height != plain_idx.size or nulls:
                raise RuntimeError(
                    f"internal error: polars read {plain_frame.height} records with {nulls} "
                    f"nulls, expected {plain_idx.size} records without nulls"
                )
        del plain

    # Records with quotes: the csv module, one record at a time.
    quoted_idx = np.flatnonzero(quoted)
    quoted_rows: list[list[str]] = []
    for i in quoted_idx.tolist():
        line = int(line_nos[i])
        if problems and line > min(problems)[0]:
            break
        raw_chunk = body[int(starts[i]) : int(ends[i]) + 1]
        if _RFC4180_RECORD.fullmatch(raw_chunk) is None:
            problems.append(
                (line, 'a quote (") inside an unquoted field, or text after a closing quote')
            )
            break
        chunk = raw_chunk.decode("utf-8")
        try:
            rows = list(csv.reader(io.StringIO(chunk, newline=""), strict=True))
        except csv.Error as exc:
            problems.append((line, f"broken quoting ({exc})"))
            break
        if len(rows) != 1:
            problems.append(
                (line, 'a quote (") inside an unquoted field, or an unbalanced quoted field')
            )
            break
        if len(rows[0]) != ncols:
            problems.append((line, f"{len(rows[0])} fields where the header has {ncols}"))
            break
        quoted_rows.append(rows[0])

    if problems:
        line, what = min(problems)
        raise _malformed(line, what)

    if not quoted_idx.size:
        frame = plain_frame if plain_frame is not None else _empty(columns)
    else:
        qframe = pl.DataFrame(
            {c: [r[k] for r in quoted_rows] for k, c in enumerate(columns)},
            schema=dict.fromkeys(columns, pl.String),
        )
        if plain_frame is None:
            frame = qframe
        else:
            order = np.concatenate((plain_idx, quoted_idx))
            frame = (
                pl.concat([plain_frame, qframe])
                .with_columns(pl.Series("_ord", order))
                .sort("_ord")
                .drop("_ord")
            )
    return _with_positions(frame, line_nos), int(quoted_idx.size)


def _commas_per_line(data: bytes, slice_bytes: int = _SLICE) -> np.ndarray:
    """Number of commas on each line of `data` (every line ends in LF), counted in slices so
    that a large file needs little extra memory."""
    a = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(a == _NL)
    out = np.empty(nl.size, dtype=np.int64)
    line, start = 0, 0
    while line < nl.size:
        stop = max(line + 1, int(np.searchsorted(nl, start + slice_bytes)))
        end = int(nl[stop - 1]) + 1
        commas = np.flatnonzero(a[start:end] == _COMMA)
        at_nl = np.searchsorted(commas, nl[line:stop] - start)
        out[line:stop] = np.diff(at_nl, prepend=0)
        line, start = stop, end
    return out


def _runs(idx: np.ndarray):
    """Contiguous runs of sorted indices as (first, last) pairs."""
    if not idx.size:
        return
    breaks = np.flatnonzero(np.diff(idx) != 1)
    firsts = np.concatenate(([idx[0]], idx[breaks + 1]))
    lasts = np.concatenate((idx[breaks], [idx[-1]]))
    yield from zip(firsts.tolist(), lasts.tolist(), strict=True)


def _empty_quoted_fields(a: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """Positions of the opening quote of every empty quoted field `""` (a whole field: after a
    record start or comma, before a comma or line end). Such a field equals an empty field."""
    if quotes.size < 2:
        return np.empty(0, np.int64)
    p = quotes[:-1]
    opening = (np.arange(p.size) % 2 == 0) & (quotes[1:] == p + 1)
    before = a[np.maximum(p - 1, 0)]
    at_start = (p == 0) | (before == _COMMA) | (before == _NL)
    nxt = p + 2  # inside the body: a record always ends in a line break
    after = a[np.minimum(nxt, a.size - 1)]
    after2 = a[np.minimum(nxt + 1, a.size - 1)]
    at_end = (nxt < a.size) & (
        (after == _COMMA) | (after == _NL) | ((after == _CR) & (after2 == _NL))
    )
    return p[opening & at_start & at_end]


def _empty(columns: tuple[str, ...]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))


def _with_positions(frame: pl.DataFrame, line_nos: np.ndarray) -> pl.DataFrame:
    return frame.with_columns(
        pl.Series("_line_no", line_nos, dtype=pl.Int64),
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_record_no"),
    )
