"""An independent, plain-Python reading of a generated inbox: the file rules of the raw interface,
the row rules of the extracts that reconciliation needs, current state of change files, the
個人番号 link, and the matching of contracts.md section F.

It exists to check the generator's truth (built by construction) against the rules themselves,
for small cities in tests; it is deliberately simple rather than fast."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import unicodedata
from collections import defaultdict
from pathlib import Path

from ..formats import EraDateError, era_to_date, kojin_no_is_valid, normalise_kiso_nenkin_no
from ..spec import EXTRACTS, FILE_NAME_RE

WINDOW = 31
TYPES = {"11", "12", "13", "14", "15", "21", "22", "31", "32", "33", "34", "35", "41", "42", "43"}
OFFICES = {"H00", "S01", "S02", "S03", "I01", "J01"} | {f"K{i:02d}" for i in range(1, 11)}
SHUBETSU = {"1", "3", "4", "5"}
MENJO = {f"0{i}" for i in range(1, 9)}
KBN = {"1", "2", "3", "4"}
KEKKA = {"1", "2", "3", "4", "5", "6"}


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


# ---------------------------------------------------------------------- row rules
def _nfkc(v: str) -> str:
    return unicodedata.normalize("NFKC", v).strip()


def _era(v: str) -> dt.date | None:
    v = _nfkc(v)
    return era_to_date(v) if v else None


def _ts(v: str) -> dt.datetime:
    return dt.datetime.strptime(v, "%Y-%m-%d %H:%M:%S")


def _kiso(v: str) -> str | None:
    v = _nfkc(v)
    if not v:
        return None
    k = normalise_kiso_nenkin_no(v)
    if k is None:
        raise ValueError("kiso")
    return k


def _kojin(v: str) -> str | None:
    v = _nfkc(v)
    if not v:
        return None
    if not kojin_no_is_valid(v):
        raise ValueError("kojin")
    return v


def _code(v: str, allowed: set[str], *, empty_ok: bool = True) -> str | None:
    if v == "" and empty_ok:
        return None
    if v not in allowed:
        raise ValueError("code")
    return v


def parse_todokede(r: dict) -> dict:
    if r["change_type"] not in ("I", "U", "D"):
        raise ValueError("change_type")
    return {
        "uketsuke_no": r["uketsuke_no"],
        "uketsuke_date": _era(r["uketsuke_date"]),
        "office_code": _code(r["office_code"], OFFICES, empty_ok=False),
        "type": _code(r["todokede_shubetsu"], TYPES, empty_ok=False),
        "atena_no": r["atena_no"],
        "kojin": _kojin(r["kojin_no"]),
        "kiso": _kiso(r["kiso_nenkin_no"]),
        "taisho": _era(r["taisho_date"]),
        "shubetsu_after": _code(r["shubetsu_after"], SHUBETSU),
        "menjo_shurui": _code(r["menjo_shurui"], MENJO),
        "nenkin_kbn": _code(r["nenkin_kbn"], KBN),
        "shintatsu": _era(r["shintatsu_date"]),
        "torisage": _code(r["torisage"], {"0", "1"}, empty_ok=False),
        "ct": r["change_type"],
        "changed_at": _ts(r["changed_at"]),
    }


def parse_jps(r: dict) -> dict:
    return {
        "list_id": r["list_id"],
        "list_date": _era(r["list_date"]),
        "row_no": int(r["row_no"]),
        "kiso": _kiso(r["kiso_nenkin_no"]),
        "kojin": _kojin(r["kojin_no"]),
        "type": _code(r["todokede_shubetsu"], TYPES, empty_ok=False),
        "taisho": _era(r["taisho_date"]),
        "kekka": _code(r["kekka"], KEKKA, empty_ok=False),
        "kekka_date": _era(r["kekka_date"]),
        "shubetsu_after": _code(r["shubetsu_after"], SHUBETSU),
        "menjo_shurui": _code(r["menjo_shurui"], MENJO),
        "_order": (r["_date"], r["_seq"]),
    }


def parse_kihon(r: dict) -> dict:
    if r["change_type"] not in ("I", "U", "D"):
        raise ValueError("change_type")
    k = _kiso(r["kiso_nenkin_no"])
    if k is None:
        raise ValueError("kiso")
    return {
        "atena_no": r["atena_no"],
        "kojin": _kojin(r["kojin_no"]),
        "kiso": k,
        "ct": r["change_type"],
        "changed_at": _ts(r["changed_at"]),
    }


def _valid(rows: list[dict], parse) -> list[dict]:
    out = []
    for r in rows:
        try:
            out.append(parse(r))
        except (ValueError, EraDateError):
            continue
    return out


def _current(rows: list[dict], key: str) -> dict[str, dict]:
    cur: dict[str, dict] = {}
    for r in rows:
        k = r[key]
        if k not in cur or r["changed_at"] > cur[k]["changed_at"]:
            cur[k] = r
    return {k: v for k, v in cur.items() if v["ct"] != "D"}


# ---------------------------------------------------------------------- section F
def reconcile(inbox: Path) -> list[tuple]:
    """fct_reconciliation rows (uketsuke_no, list_id, row_no, status, mismatch_fields,
    taisho_date_shift_days)."""
    raw, _ = read_inbox(inbox)
    filings = _current(_valid(raw["todokede"], parse_todokede), "uketsuke_no")
    jps_by_key: dict[tuple, dict] = {}
    for r in _valid(raw["jps_kekka"], parse_jps):
        k = (r["list_id"], r["row_no"])
        if k not in jps_by_key or r["_order"] > jps_by_key[k]["_order"]:
            jps_by_key[k] = r
    jps = list(jps_by_key.values())
    kihon = _current(_valid(raw["nenkin_kihon"], parse_kihon), "atena_no")
    links: dict[str, set[str]] = defaultdict(set)
    for src in (kihon.values(), filings.values(), jps):
        for r in src:
            if r["kojin"] and r["kiso"]:
                links[r["kojin"]].add(r["kiso"])
    for r in list(filings.values()) + jps:
        if not r["kiso"] and r["kojin"] and len(links.get(r["kojin"], ())) == 1:
            r["kiso"] = next(iter(links[r["kojin"]]))

    out: list[tuple] = []
    cands = [f for f in filings.values() if f["torisage"] != "1" and f["shintatsu"] is not None]

    def shift(f, r) -> int | None:
        """JPS target date − the filing's, in days (None when either is missing)."""
        if r["taisho"] is None or f["taisho"] is None:
            return None
        return (r["taisho"] - f["taisho"]).days

    def distance(f, r) -> float:
        d = shift(f, r)
        return float("inf") if d is None else abs(d)

    def same_person_type(f, r) -> bool:
        return (
            f["kiso"] is not None
            and f["kiso"] == r["kiso"]
            and f["type"] == r["type"]
            and f["shintatsu"] <= r["list_date"]
        )

    def is_cand(f, r) -> bool:
        return same_person_type(f, r) and distance(f, r) <= WINDOW

    def rkey(r):
        return (r["list_date"], r["list_id"], r["row_no"])

    def nearest(r, opts: list[dict]) -> dict:
        """Section F step 5: smallest |Δ taisho|, then the later 進達, then the smaller 受付番号."""
        return min(
            opts,
            key=lambda f: (distance(f, r), -f["shintatsu"].toordinal(), f["uketsuke_no"]),
        )

    finals = sorted([r for r in jps if r["kekka"] != "3"], key=rkey)
    holds = sorted([r for r in jps if r["kekka"] == "3"], key=rkey)
    paired: dict[str, dict] = {}  # uketsuke_no -> final row
    row_paired: set[tuple] = set()
    # stage 1 (step 4)
    groups_r: dict[tuple, list] = defaultdict(list)
    for r in finals:
        groups_r[(r["kiso"], r["type"], r["taisho"])].append(r)
    groups_f: dict[tuple, list] = defaultdict(list)
    for f in cands:
        groups_f[(f["kiso"], f["type"], f["taisho"])].append(f)
    for g, rs in groups_r.items():
        fs = sorted(groups_f.get(g, []), key=lambda f: (f["shintatsu"], f["uketsuke_no"]))
        for r, f in zip(rs, fs, strict=False):
            if r["kiso"] is not None and f["shintatsu"] <= r["list_date"]:
                paired[f["uketsuke_no"]] = r
                row_paired.add(rkey(r))
    # stage 2 (step 5)
    picks: dict[str, list] = defaultdict(list)
    for r in finals:
        if rkey(r) in row_paired:
            continue
        opts = [f for f in cands if f["uketsuke_no"] not in paired and is_cand(f, r)]
        if not opts:
            continue
        best = nearest(r, opts)
        picks[best["uketsuke_no"]].append(r)
    for uk, rs in picks.items():
        f = filings[uk]
        r = min(rs, key=lambda r: (distance(f, r), rkey(r)))
        paired[uk] = r
        row_paired.add(rkey(r))
    # stage 3 (step 6): a row whose person and type have exactly one open filing (forwarded by
    # the list date, no final row from stages 1-2) belongs to it at any distance
    only: dict[str, list] = defaultdict(list)
    for r in finals:
        if rkey(r) in row_paired:
            continue
        opts = [f for f in cands if f["uketsuke_no"] not in paired and same_person_type(f, r)]
        if len(opts) == 1:
            only[opts[0]["uketsuke_no"]].append(r)
    only_lost: dict[tuple, dict] = {}  # row key -> the open filing another row kept
    for uk, rs in only.items():
        f = filings[uk]
        r = min(rs, key=lambda r: (distance(f, r), rkey(r)))
        paired[uk] = r
        row_paired.add(rkey(r))
        only_lost.update({rkey(o): f for o in rs if o is not r})
    # step 7
    for r in finals:
        if rkey(r) in row_paired:
            continue
        lost_to = only_lost.get(rkey(r))
        if lost_to is None and not any(is_cand(f, r) for f in cands):
            out.append((None, r["list_id"], r["row_no"], "unmatched_result", None, None))
            continue
        # the filing it duplicates: the nearest candidate that already has its final row
        had = [f for f in cands if f["uketsuke_no"] in paired and is_cand(f, r)]
        if lost_to is not None and lost_to not in had:
            had.append(lost_to)
        dup_of = nearest(r, had)["uketsuke_no"] if had else None
        out.append((dup_of, r["list_id"], r["row_no"], "duplicate_result", None, None))
    # step 9
    pending_hold: dict[str, dict] = {}
    for r in holds:
        opts = [f for f in cands if is_cand(f, r)]
        if not opts:
            out.append((None, r["list_id"], r["row_no"], "unmatched_result", None, None))
            continue
        best = nearest(r, opts)
        if best["uketsuke_no"] in paired:
            continue
        prev = pending_hold.get(best["uketsuke_no"])
        if prev is None or rkey(r) > rkey(prev):
            pending_hold[best["uketsuke_no"]] = r
    # filings
    for uk, f in filings.items():
        if f["torisage"] == "1":
            out.append((uk, None, None, "withdrawn", None, None))
        elif f["shintatsu"] is None:
            out.append((uk, None, None, "not_forwarded", None, None))
        elif uk in paired:
            r = paired[uk]
            if r["kekka"] == "2":
                out.append((uk, r["list_id"], r["row_no"], "returned", None, None))
                continue
            diff = sorted(
                c
                for c, a, b in (
                    ("taisho_date", f["taisho"], r["taisho"]),
                    ("shubetsu_after", f["shubetsu_after"], r["shubetsu_after"]),
                    ("menjo_shurui", f["menjo_shurui"], r["menjo_shurui"]),
                )
                if a != b
            )
            out.append(
                (
                    uk,
                    r["list_id"],
                    r["row_no"],
                    "mismatched" if diff else "matched",
                    ",".join(diff) or None,
                    shift(f, r),
                )
            )
        elif uk in pending_hold:
            r = pending_hold[uk]
            out.append((uk, r["list_id"], r["row_no"], "pending", None, None))
        else:
            out.append((uk, None, None, "pending", None, None))
    return sorted(out, key=lambda x: (x[0] is None, x[0] or "", x[1] or "", x[2] or 0))


def read_truth(path: Path) -> list[tuple]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [
            (
                r["uketsuke_no"] or None,
                r["list_id"] or None,
                int(r["row_no"]) if r["row_no"] else None,
                r["status"],
                r["mismatch_fields"] or None,
                int(r["taisho_date_shift_days"]) if r["taisho_date_shift_days"] else None,
            )
            for r in csv.DictReader(fh)
        ]
    return sorted(rows, key=lambda x: (x[0] is None, x[0] or "", x[1] or "", x[2] or 0))
