"""The oracle's reading of an inbox by the file rules (docs/raw-interface.md §1): which files
load, which are duplicates or rejected and why, and the records of each loaded file."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from pathlib import Path

from nenkin_audit.spec import EXTRACTS, FILE_NAME_RE


class FileProblem(Exception):
    pass


def read_file(path: Path) -> tuple[str, list[dict[str, str]]]:
    """(extract, records with _file, _line, _date, _seq) or FileProblem(reason)."""
    m = FILE_NAME_RE.match(path.name)
    if not m:
        raise FileProblem("bad_name")
    data = path.read_bytes()
    if not data:
        raise FileProblem("empty_file")
    try:
        text = (
            data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp932")
        )
    except UnicodeDecodeError:
        raise FileProblem("bad_encoding") from None
    extract = m["extract"]
    cols = list(EXTRACTS[extract].columns)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error:
        raise FileProblem("malformed_csv") from None
    if not records or records[0] != cols:
        raise FileProblem("bad_header")
    last = records[-1]
    if len(last) != 2 or last[0] != "TRAILER":
        raise FileProblem("missing_trailer")
    body = records[1:-1]
    if not last[1].isdigit() or int(last[1]) != len(body):
        raise FileProblem("wrong_trailer_count")
    if any(len(r) != len(cols) for r in body):
        raise FileProblem("malformed_csv")
    # physical line of each record
    out = []
    line = 2
    for rec in body:
        d = dict(zip(cols, rec, strict=True))
        d["_file"] = path.name
        d["_line"] = line
        d["_date"] = m["date"]
        d["_seq"] = int(m["seq"])
        out.append(d)
        line += 1 + sum(v.count("\n") for v in rec)
    return extract, out


def read_inbox(inbox: Path) -> tuple[dict[str, list[dict]], dict[str, tuple[str, str]]]:
    """Rows per extract of every loadable file; and per offered file (status, reason)."""
    rows: dict[str, list[dict]] = defaultdict(list)
    ledger: dict[str, tuple[str, str]] = {}
    seen: dict[str, str] = {}
    files = sorted(p for p in Path(inbox).iterdir() if p.is_file() and not p.name.startswith("."))
    for p in sorted(files, key=_load_order):
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        if digest in seen and p.stat().st_size:
            ledger[p.name] = ("duplicate", seen[digest])
            continue
        try:
            extract, recs = read_file(p)
        except FileProblem as exc:
            ledger[p.name] = ("rejected", str(exc))
            continue
        seen[digest] = p.name
        ledger[p.name] = ("loaded", "")
        rows[extract].extend(recs)
    return rows, ledger


def _load_order(p: Path):
    m = FILE_NAME_RE.match(p.name)
    if not m:
        return ("9", p.name)
    return (m["date"], m["extract"], m["seq"], p.name)
