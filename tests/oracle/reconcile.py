"""An independent, plain-Python reading of a generated inbox for reconciliation: the current
state of the change files, the 個人番号 link, and the matching of a JPS result row to a filing
(docs/published-contract.md §3), step by step.

It checks the generator's truth (built by construction) against the rules themselves, for small
cities in tests; it is deliberately simple rather than fast, and it reads nothing of the dbt
models: only the file and row rules (files.py, rows.py), the code seeds and the window the dbt
project sets (var `reconciliation_window_days`)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from nenkin_audit.project import dbt_var

from .files import read_inbox
from .rows import parse_jps, parse_kihon, parse_todokede, valid

WINDOW = int(dbt_var("reconciliation_window_days"))


def current(rows: list[dict], key: str) -> dict[str, dict]:
    cur: dict[str, dict] = {}
    for r in rows:
        k = r[key]
        if k not in cur or r["changed_at"] > cur[k]["changed_at"]:
            cur[k] = r
    return {k: v for k, v in cur.items() if v["ct"] != "D"}


def reconcile(inbox: Path) -> list[tuple]:
    """fct_reconciliation rows (uketsuke_no, list_id, row_no, status, mismatch_fields,
    taisho_date_shift_days)."""
    raw, _ = read_inbox(inbox)
    filings = current(valid(raw["todokede"], parse_todokede), "uketsuke_no")
    jps_by_key: dict[tuple, dict] = {}
    for r in valid(raw["jps_kekka"], parse_jps):
        k = (r["list_id"], r["row_no"])
        if k not in jps_by_key or r["_order"] > jps_by_key[k]["_order"]:
            jps_by_key[k] = r
    jps = list(jps_by_key.values())
    kihon = current(valid(raw["nenkin_kihon"], parse_kihon), "atena_no")
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
