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
    filings, jps = current_filings_and_results(raw)
    link_kiso(raw, filings, jps)
    cands = [f for f in filings.values() if f["torisage"] != "1" and f["shintatsu"] is not None]
    finals = sorted([r for r in jps if r["kekka"] != "3"], key=rkey)
    holds = sorted([r for r in jps if r["kekka"] == "3"], key=rkey)
    m = _Matching()
    m.pair_exact(finals, cands)
    m.pair_nearest(finals, cands, filings)
    only_lost = m.pair_only_open(finals, cands, filings)
    out = m.leftover_rows(finals, cands, only_lost)
    pending_hold, unmatched_holds = m.hold_rows(holds, cands)
    out += unmatched_holds
    out += filing_rows(filings, m.paired, pending_hold)
    return sorted(out, key=lambda x: (x[0] is None, x[0] or "", x[1] or "", x[2] or 0))


# ---------------------------------------------------------------- current state and links
def current_filings_and_results(raw: dict[str, list[dict]]) -> tuple[dict[str, dict], list[dict]]:
    """(the current filings by 受付番号, the current JPS rows: per key the latest delivery)."""
    filings = current(valid(raw["todokede"], parse_todokede), "uketsuke_no")
    jps_by_key: dict[tuple, dict] = {}
    for r in valid(raw["jps_kekka"], parse_jps):
        k = (r["list_id"], r["row_no"])
        if k not in jps_by_key or r["_order"] > jps_by_key[k]["_order"]:
            jps_by_key[k] = r
    return filings, list(jps_by_key.values())


def link_kiso(raw: dict[str, list[dict]], filings: dict[str, dict], jps: list[dict]) -> None:
    """Fill a missing 基礎年金番号 (in place) from the 個人番号 where that number links to
    exactly one 基礎年金番号 across kihon, filings and JPS rows."""
    kihon = current(valid(raw["nenkin_kihon"], parse_kihon), "atena_no")
    links: dict[str, set[str]] = defaultdict(set)
    for src in (kihon.values(), filings.values(), jps):
        for r in src:
            if r["kojin"] and r["kiso"]:
                links[r["kojin"]].add(r["kiso"])
    for r in list(filings.values()) + jps:
        if not r["kiso"] and r["kojin"] and len(links.get(r["kojin"], ())) == 1:
            r["kiso"] = next(iter(links[r["kojin"]]))


# ---------------------------------------------------------------- matching rules
def shift(f: dict, r: dict) -> int | None:
    """JPS target date − the filing's, in days (None when either is missing)."""
    if r["taisho"] is None or f["taisho"] is None:
        return None
    return (r["taisho"] - f["taisho"]).days


def distance(f: dict, r: dict) -> float:
    d = shift(f, r)
    return float("inf") if d is None else abs(d)


def same_person_type(f: dict, r: dict) -> bool:
    return (
        f["kiso"] is not None
        and f["kiso"] == r["kiso"]
        and f["type"] == r["type"]
        and f["shintatsu"] <= r["list_date"]
    )


def is_cand(f: dict, r: dict) -> bool:
    return same_person_type(f, r) and distance(f, r) <= WINDOW


def rkey(r: dict) -> tuple:
    return (r["list_date"], r["list_id"], r["row_no"])


def nearest(r: dict, opts: list[dict]) -> dict:
    """docs/internal-contracts.md §F step 5: smallest |Δ taisho|, then the later 進達, then the
    smaller 受付番号."""
    return min(
        opts,
        key=lambda f: (distance(f, r), -f["shintatsu"].toordinal(), f["uketsuke_no"]),
    )


class _Matching:
    """The pairs of filing and final JPS row found so far, stage by stage."""

    def __init__(self) -> None:
        self.paired: dict[str, dict] = {}  # uketsuke_no -> final row
        self.row_paired: set[tuple] = set()

    def _pair(self, f: dict, r: dict) -> None:
        self.paired[f["uketsuke_no"]] = r
        self.row_paired.add(rkey(r))

    def pair_exact(self, finals: list[dict], cands: list[dict]) -> None:
        """Stage 1 (step 4): same person, type and target date, in order of 進達."""
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
                    self._pair(f, r)

    def pair_nearest(self, finals: list[dict], cands: list[dict], filings: dict[str, dict]) -> None:
        """Stage 2 (step 5): each row picks its nearest open candidate within the window; a
        filing picked by several keeps the nearest row."""
        picks: dict[str, list] = defaultdict(list)
        for r in finals:
            if rkey(r) in self.row_paired:
                continue
            opts = [f for f in cands if f["uketsuke_no"] not in self.paired and is_cand(f, r)]
            if not opts:
                continue
            picks[nearest(r, opts)["uketsuke_no"]].append(r)
        for uk, rs in picks.items():
            f = filings[uk]
            self._pair(f, min(rs, key=lambda r: (distance(f, r), rkey(r))))

    def pair_only_open(
        self, finals: list[dict], cands: list[dict], filings: dict[str, dict]
    ) -> dict[tuple, dict]:
        """Stage 3 (step 6): a row whose person and type have exactly one open filing
        (forwarded by the list date, no final row from stages 1-2) belongs to it at any
        distance. Returns row key -> the open filing another row kept."""
        only: dict[str, list] = defaultdict(list)
        for r in finals:
            if rkey(r) in self.row_paired:
                continue
            opts = [
                f for f in cands if f["uketsuke_no"] not in self.paired and same_person_type(f, r)
            ]
            if len(opts) == 1:
                only[opts[0]["uketsuke_no"]].append(r)
        only_lost: dict[tuple, dict] = {}
        for uk, rs in only.items():
            f = filings[uk]
            r = min(rs, key=lambda r: (distance(f, r), rkey(r)))
            self._pair(f, r)
            only_lost.update({rkey(o): f for o in rs if o is not r})
        return only_lost

    def leftover_rows(
        self, finals: list[dict], cands: list[dict], only_lost: dict[tuple, dict]
    ) -> list[tuple]:
        """Step 7: a final row left over is a duplicate of the nearest candidate that already
        has its final row, or unmatched."""
        out: list[tuple] = []
        for r in finals:
            if rkey(r) in self.row_paired:
                continue
            lost_to = only_lost.get(rkey(r))
            if lost_to is None and not any(is_cand(f, r) for f in cands):
                out.append((None, r["list_id"], r["row_no"], "unmatched_result", None, None))
                continue
            had = [f for f in cands if f["uketsuke_no"] in self.paired and is_cand(f, r)]
            if lost_to is not None and lost_to not in had:
                had.append(lost_to)
            dup_of = nearest(r, had)["uketsuke_no"] if had else None
            out.append((dup_of, r["list_id"], r["row_no"], "duplicate_result", None, None))
        return out

    def hold_rows(
        self, holds: list[dict], cands: list[dict]
    ) -> tuple[dict[str, dict], list[tuple]]:
        """Step 9: (the latest 保留 row of each filing without a final row, the 保留 rows that
        belong to no filing)."""
        pending_hold: dict[str, dict] = {}
        out: list[tuple] = []
        for r in holds:
            opts = [f for f in cands if is_cand(f, r)]
            if not opts:
                out.append((None, r["list_id"], r["row_no"], "unmatched_result", None, None))
                continue
            best = nearest(r, opts)
            if best["uketsuke_no"] in self.paired:
                continue
            prev = pending_hold.get(best["uketsuke_no"])
            if prev is None or rkey(r) > rkey(prev):
                pending_hold[best["uketsuke_no"]] = r
        return pending_hold, out


# ---------------------------------------------------------------- one row per filing
def filing_rows(
    filings: dict[str, dict], paired: dict[str, dict], pending_hold: dict[str, dict]
) -> list[tuple]:
    """The row of each filing: withdrawn, not forwarded, returned, matched or mismatched (with
    the differing fields and the target-date shift), or pending (with its 保留 row if any)."""
    out: list[tuple] = []
    for uk, f in filings.items():
        if f["torisage"] == "1":
            out.append((uk, None, None, "withdrawn", None, None))
        elif f["shintatsu"] is None:
            out.append((uk, None, None, "not_forwarded", None, None))
        elif uk in paired:
            out.append(_paired_row(uk, f, paired[uk]))
        elif uk in pending_hold:
            r = pending_hold[uk]
            out.append((uk, r["list_id"], r["row_no"], "pending", None, None))
        else:
            out.append((uk, None, None, "pending", None, None))
    return out


def _paired_row(uk: str, f: dict, r: dict) -> tuple:
    if r["kekka"] == "2":
        return (uk, r["list_id"], r["row_no"], "returned", None, None)
    diff = sorted(
        c
        for c, a, b in (
            ("taisho_date", f["taisho"], r["taisho"]),
            ("shubetsu_after", f["shubetsu_after"], r["shubetsu_after"]),
            ("menjo_shurui", f["menjo_shurui"], r["menjo_shurui"]),
        )
        if a != b
    )
    status = "mismatched" if diff else "matched"
    return (uk, r["list_id"], r["row_no"], status, ",".join(diff) or None, shift(f, r))


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
