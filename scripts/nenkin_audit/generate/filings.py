"""Filings (todokede), their weekly 進達, the JPS result lists, and the ground truth of the
reconciliation built by construction (docs/internal-contracts.md §F).

Design rules that keep the truth unambiguous:
- a person files at most one filing in the whole period, except the designed returned-and-refiled
  case (a second filing of the same type after the 返戻);
- every JPS row is made for one filing (or for none: unmatched results use persons and types
  without any filing, or a target date a year away from a filing that already has its final
  result), with a scenario that fixes what matching must conclude;
- a result whose target date JPS moved beyond the window (scenario large_shift, up to a year) is
  the only result of the person's only filing of that type, so it is paired by step 6 of
  docs/internal-contracts.md §F.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from .. import menjo_rules
from ..formats import date_to_era
from ..project import dbt_var, seed_rows
from ..spec import EXTRACTS
from . import vocab
from .calendar import INITIAL, START, Calendar
from .eras import era
from .pension import (
    P_6064,
    P_CLOSED_2GO,
    P_FIRST_OPEN,
    P_NINI_OPEN,
    P_RECEIVER,
    P_THIRD_OPEN,
    Pension,
)
from .people import EV_NONE, People
from .rng import stream
from .staff import Staff

WINDOW = int(dbt_var("reconciliation_window_days"))
MAX_SHIFT = 365  # largest target-date correction JPS makes in a generated city (days)

_TYPE_SEED = seed_rows("codes/code_todokede_shubetsu")
TYPES = tuple(r["todokede_shubetsu"] for r in _TYPE_SEED)
#: relative frequency of each filing type in a generated city
_TYPE_WEIGHT = {
    **{"11": 12, "12": 10, "13": 7, "14": 3, "15": 2, "21": 4, "22": 2},
    **{"31": 3, "32": 22, "33": 7, "34": 7, "35": 2, "41": 14, "42": 3, "43": 2},
}
TYPE_WEIGHTS = np.array([_TYPE_WEIGHT[t] for t in TYPES], dtype=float)
EXEMPTION_TYPES = tuple(
    r["todokede_shubetsu"] for r in _TYPE_SEED if r["filing_domain"] == "exemption"
)
CLAIM_TYPES = tuple(r["todokede_shubetsu"] for r in _TYPE_SEED if r["category"] == "請求")
MENJO_OF = {
    r["todokede_shubetsu"]: r["implied_menjo_shurui"]
    for r in _TYPE_SEED
    if r["implied_menjo_shurui"]
}
KBN_OF = {"41": "1", "42": "2", "43": "3"}
NENKIN_CODE = {"1": "1150", "2": "5350", "3": "5650"}

SCENARIOS = (
    "match",
    "mismatch_date",
    "mismatch_field",
    "returned",
    "hold_final",
    "hold_only",
    "duplicate",
    "unanswered",
    "large_shift",
)
SCENARIO_P = np.array([0.70, 0.045, 0.025, 0.06, 0.04, 0.02, 0.03, 0.05, 0.03])
# scenarios whose filing gets its final row by exact date or within the window: safe targets for
# a far (a year away) unmatched row of the same person and type
# compared fields of docs/internal-contracts.md §F step 8: published name, column here
COMPARED = (
    ("menjo_shurui", "menjo_shurui"),
    ("shubetsu_after", "shubetsu_after"),
    ("taisho_date", "taisho"),
)
ANSWERED_IN_WINDOW = ("match", "mismatch_date", "mismatch_field", "hold_final", "duplicate")


@dataclass
class Filings:
    filings: pl.DataFrame  # one row per filing (internal, typed)
    todokede_rows: pl.DataFrame  # versions: extract columns as text + _day, _changed_at, _ct, marks
    jps: pl.DataFrame  # result rows: extract columns as text + list_date, marks
    reconciliation: pl.DataFrame  # truth
    exemption_checks: pl.DataFrame  # truth
    change_rows: dict[str, pl.DataFrame]  # shikaku/fuka/menjo/saitei versions of the period
    teikyo: pl.DataFrame  # teikyo_iten records (text) + _date
    entries: pl.DataFrame  # JPS result entry events for the access log: day, time, pidx
    batches: pl.DataFrame  # 進達 batches: date, office, n
    reviews: pl.DataFrame  # 審査 events: date, office, pidx, type


def _weighted_pick(rng, pool: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """k distinct elements of pool, with probability growing with weight (Efraimidis-Spirakis)."""
    k = min(k, len(pool))
    if k <= 0:
        return pool[:0]
    key = np.log(rng.random(len(pool))) / weights
    return pool[np.argsort(-key, kind="stable")[:k]]


def _income_dict(row: dict) -> dict[str, int]:
    return {
        k: int(v)
        for k, v in row.items()
        if k not in ("pidx", "atena_no", "nendo", "_day", "_changed_at")
    }


def expected_decision(
    ftype: str, applied: str, income: dict[str, int] | None, nendo: int
) -> tuple[str, str]:
    """(allowed_shurui or '', the JPS kekka that agrees with the income), by menjo_rules."""
    income = income or {}
    if ftype == "32":
        allowed = menjo_rules.allowed_shurui(income, nendo)
        if allowed is None:
            return "", "5"
        grades = menjo_rules.GRADED_SHURUI  # most generous first (code_menjo_shurui.income_grade)
        return allowed, "4" if grades.index(allowed) <= grades.index(applied) else "6"
    shurui = MENJO_OF[ftype]
    ok = menjo_rules.income_allows(income, shurui, nendo)
    return (shurui, "4") if ok else ("", "5")


def build(
    seed: int,
    persons: int,
    people: People,
    pension: Pension,
    staff: Staff,
    cal: Calendar,
    *,
    bad_input: bool = False,
    progress=None,
) -> Filings:
    rng = stream(seed, "filings")
    work = list(cal.work)
    work_np = np.array(work, dtype="datetime64[D]")
    pre = len(work) - cal.days
    batch_np = np.array(cal.weekly(4, start=work[0]), dtype="datetime64[D]")  # 進達 on Fridays
    list_np = np.array(list(cal.weekly(2)), dtype="datetime64[D]")  # JPS lists on Wednesdays

    t, ftype = _filing_types(rng, persons, len(work))
    who = _filers(rng, people, pension, t, ftype)
    t, ftype, pidx = who.t, who.ftype, who.pidx
    uk_date, uk_time, post, office, sidx = _reception(rng, people, staff, work, t, pidx)
    taisho, shub_after, menjo_shurui, kbn, nendo = _targets(rng, ftype, uk_date)
    menjo_shurui, allowed, decision = _exemption_decisions(
        rng, pension, ftype, pidx, nendo, menjo_shurui
    )
    batch, life_kind, forwarded = _forwarding(rng, ftype, t, work_np, batch_np, pre)
    scen = _scenarios(rng, ftype, forwarded, batch, cal.end)
    _every_lifecycle_once(scen, life_kind, forwarded, batch, t, pre)
    filings = pl.DataFrame(
        {
            "fid": np.arange(len(t)),
            "t": t,
            "uketsuke_date": uk_date,
            "uk_time": uk_time,
            "post": post,
            "office": office,
            "sidx": sidx,
            "staff_id": staff.staff["staff_id"].to_numpy()[sidx],
            "pidx": pidx,
            "atena_no": people.df["atena_no"].to_numpy()[pidx],
            "krow": who.krow,
            "kiso": who.kiso,
            "pkojin": who.pkojin,
            "type": ftype,
            "taisho": taisho,
            "shubetsu_after": shub_after,
            "menjo_shurui": menjo_shurui.astype(str),
            "nenkin_kbn": kbn.astype(str),
            "nendo": nendo,
            "allowed": allowed.astype(str),
            "decision": decision.astype(str),
            "life": life_kind.astype(str),
            "batch": batch,
            "scenario": scen.astype(str),
            "refile_of": np.full(len(t), -1),
        },
        schema_overrides={
            "uketsuke_date": pl.Date,
            "taisho": pl.Date,
            "batch": pl.Date,
            "uk_time": pl.Datetime("ms"),
        },
    )

    rj = stream(seed, "filings", "jps")
    jrows, refiles = _answer_rows(rj, filings, list_np)
    filings = _refile_returned(rj, filings, refiles, jrows, staff, work, batch_np, list_np)
    jps = _jps_frame(jrows, filings)
    jps = _unmatched_results(rj, jps, filings, pension, who.unused, list_np, cal.end)
    filings = _uketsuke_numbers(filings)
    jps = _flip_exemption_decisions(rj, jps)
    jps = _list_positions(rj, jps)
    victims_f, victims_r = _bad_input_victims(seed, filings, jps) if bad_input else ({}, {})
    filings = filings.with_columns(
        damaged=pl.col("fid").is_in(list(victims_f)),
    )
    jps = jps.with_columns(damaged=pl.col("rid").is_in(list(victims_r)))

    return _with_truth_and_extracts(
        seed, filings, jps, victims_f, victims_r, people, pension, staff, cal, progress
    )


def _with_truth_and_extracts(
    seed: int,
    filings: pl.DataFrame,
    jps: pl.DataFrame,
    victims_f: dict[int, tuple[str, str, str]],
    victims_r: dict[int, tuple[str, str, str]],
    people: People,
    pension: Pension,
    staff: Staff,
    cal: Calendar,
    progress,
) -> Filings:
    """The reconciliation and exemption truth, and every extract row the filings make."""
    # ------------------------------------------------------------ truth
    recon = _truth(filings, jps)
    checks = _exemption_truth(filings, jps, recon)

    # ------------------------------------------------------------ extract rows
    todokede_rows = _todokede_versions(seed, filings, cal, victims_f)
    jps_text = _jps_text(seed, jps, pension, people, victims_r)
    change_rows, entries = _pension_changes(seed, filings, jps, pension, cal, recon)
    teikyo, batches = _teikyo(seed, filings, pension, staff, cal)
    reviews = filings.filter(pl.col("life") != "deleted").select(
        day=pl.col("uketsuke_date"),
        office="office",
        pidx="pidx",
        type="type",
    )
    if progress:
        progress(
            f"generate: {filings.height} filings, {jps.height} JPS result rows in "
            f"{jps['list_id'].n_unique()} lists, reconciliation truth {recon.height} rows"
        )
    return Filings(
        filings=filings,
        todokede_rows=todokede_rows,
        jps=jps_text,
        reconciliation=recon,
        exemption_checks=checks,
        change_rows=change_rows,
        teikyo=teikyo,
        entries=entries,
        batches=batches,
        reviews=reviews,
    )


# ---------------------------------------------------------------- how many, which type
def _filing_types(rng, persons: int, n_work: int) -> tuple[np.ndarray, np.ndarray]:
    """(working-day index, filing type) of each filing received, in no particular order."""
    rate = max(persons * 0.00025, 6.0)
    per_day = rng.poisson(rate, n_work)
    t = np.repeat(np.arange(n_work), per_day)
    ftype = np.array(TYPES)[
        np.searchsorted(
            np.cumsum(TYPE_WEIGHTS) / TYPE_WEIGHTS.sum(), rng.random(len(t)), side="right"
        ).clip(0, len(TYPES) - 1)
    ]
    return t, ftype


# ---------------------------------------------------------------- who files
@dataclass
class _Filers:
    t: np.ndarray  # working-day index, sorted
    ftype: np.ndarray
    krow: np.ndarray  # row of pension.kihon
    pidx: np.ndarray
    kiso: np.ndarray
    pkojin: np.ndarray
    unused: np.ndarray  # kihon rows alive at the start that file nothing (unmatched results)


def _filing_pools(people: People, pension: Pension) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per filing type, the kihon rows whose situation allows it; and the rows alive, resident
    and on the books before the period."""
    kh = pension.kihon
    pdf = people.df
    kp = kh["pidx"].to_numpy()
    prof = kh["profile"].to_numpy()
    age = kh["age"].to_numpy()
    ksex = kh["sex"].to_numpy()
    alive = (
        (pdf["event"].to_numpy()[kp] == EV_NONE)
        & (kh["day"].to_numpy() < 0)
        & (pdf["group"].to_numpy()[kp] == 0)
    )
    fuka_open = np.isin(kp, pension.fuka.filter(pl.col("dattai_date").is_null())["pidx"].to_numpy())
    menjo25 = np.isin(kp, pension.menjo.filter(pl.col("nendo") == 2025)["pidx"].to_numpy())
    has_saitei = np.isin(kp, pension.saitei["pidx"].to_numpy())
    first = prof == P_FIRST_OPEN
    pools = {
        "11": prof == P_CLOSED_2GO,
        "12": first,
        "13": first | (prof == P_THIRD_OPEN),
        "14": (prof == P_6064) & (age <= 64),
        "15": prof == P_NINI_OPEN,
        "21": first & ~fuka_open,
        "22": first & fuka_open,
        "31": first & ~menjo25,
        "32": first & ~menjo25,
        "33": first & ~menjo25 & (age <= 25),
        "34": first & ~menjo25 & (age <= 49),
        "35": first & ~menjo25 & (ksex == "2") & (age <= 45),
        "41": np.isin(prof, (P_6064, P_NINI_OPEN, P_RECEIVER))
        & (age >= 64)
        & (age <= 66)
        & ~has_saitei,
        "42": (first | (prof == P_THIRD_OPEN)) & ~has_saitei,
        "43": (first | (prof == P_THIRD_OPEN)) & (age >= 25) & ~has_saitei,
    }
    return pools, alive


def _filers(rng, people: People, pension: Pension, t: np.ndarray, ftype: np.ndarray) -> _Filers:
    """A person for each filing (at most one filing a person), drawn from the type's pool;
    filings no one can file are dropped. Low incomes apply for exemptions more often."""
    kh = pension.kihon
    kp = kh["pidx"].to_numpy()
    pools, alive = _filing_pools(people, pension)
    inc25 = pension.shotoku.filter(pl.col("nendo") == 2025).select("pidx", "gokei_shotoku")
    g = np.full(kh.height, 2_000_000)
    pos = np.searchsorted(kp, inc25["pidx"].to_numpy())
    g[pos] = inc25["gokei_shotoku"].to_numpy()
    low_w = np.where(g < 1_600_000, 4.0, 1.0)
    used = np.zeros(kh.height, bool)
    krow = np.full(len(t), -1)  # index into kihon
    for ty in TYPES:
        idx = np.flatnonzero(ftype == ty)
        if len(idx) == 0:
            continue
        pool = np.flatnonzero(pools[ty] & alive & ~used)
        w = low_w[pool] if ty in ("31", "32", "34") else np.ones(len(pool))
        got = _weighted_pick(rng, pool, w, len(idx))
        krow[idx[: len(got)]] = got
        used[got] = True
    keep = krow >= 0
    t, ftype, krow = t[keep], ftype[keep], krow[keep]
    order = np.lexsort((rng.random(len(t)), t))
    t, ftype, krow = t[order], ftype[order], krow[order]
    return _Filers(
        t=t,
        ftype=ftype,
        krow=krow,
        pidx=kp[krow],
        kiso=kh["kiso_nenkin_no"].to_numpy()[krow],
        pkojin=kh["kojin_no"].to_numpy()[krow],
        unused=np.flatnonzero(~used & alive),
    )


# ---------------------------------------------------------------- when, where, by whom
def _reception(
    rng, people: People, staff: Staff, work: list[dt.date], t: np.ndarray, pidx: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(受付 date, time, by post, office, receiving clerk's sidx) of each filing: mostly the
    person's ward office, some at a 支所 or the head office; by post to the head office or ward."""
    nf = len(t)
    ward = people.df["ward_idx"].to_numpy()[pidx]
    uk_date = np.array(work, dtype="datetime64[D]")[t]
    secs = rng.integers(int(8.75 * 3600), int(17 * 3600), nf)
    uk_time = uk_date.astype("datetime64[ms]") + (secs * 1000).astype("timedelta64[ms]")
    post = rng.random(nf) < 0.2
    u = rng.random(nf)
    k_office = np.array(
        [f"K{w + 1:02d}" if w >= 0 else "H00" for w in range(-1, 10)], dtype=object
    )[ward + 1]
    has_s = np.isin(ward, (2, 6, 9))
    sub = np.select([ward == 2, ward == 6, ward == 9], ["S01", "S02", "S03"], "")
    office = np.where((u >= 0.8) & (u < 0.9) & has_s, sub, np.where(u >= 0.9, "H00", k_office))
    office = np.where(post, np.where(rng.random(nf) < 0.6, "H00", k_office), office).astype(str)
    sidx = pick_staff(staff, [max(work[k], INITIAL) for k in t], office, rng)
    return uk_date, uk_time, post, office, sidx


# ---------------------------------------------------------------- what the filing says
def _targets(
    rng, ftype: np.ndarray, uk_date: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(taisho_date, shubetsu_after, menjo_shurui, nenkin_kbn, exemption year) as filed."""
    nf = len(ftype)
    off_days = rng.integers(0, 31, nf)
    taisho = uk_date.copy()
    taisho = np.where(
        np.isin(ftype, ("11", "12", "13", "31")),
        uk_date - off_days.astype("timedelta64[D]"),
        taisho,
    )
    nendo = np.where(uk_date >= np.datetime64("2026-07-01"), 2026, 2025)
    july = np.where(nendo == 2026, np.datetime64("2026-07-01"), np.datetime64("2025-07-01"))
    taisho = np.where(np.isin(ftype, ("32", "34")), july, taisho)
    month_start = uk_date.astype("datetime64[M]").astype("datetime64[D]")
    taisho = np.where(ftype == "33", np.maximum(month_start, july), taisho)
    taisho = np.where(
        ftype == "35", uk_date + rng.integers(10, 150, nf).astype("timedelta64[D]"), taisho
    )
    taisho = np.where(
        ftype == "15", uk_date + rng.integers(0, 10, nf).astype("timedelta64[D]"), taisho
    )
    shub_after = np.select(
        [ftype == "11", ftype == "13", ftype == "14"],
        ["1", np.where(rng.random(nf) < 0.7, "1", "3"), "4"],
        "",
    )
    menjo_shurui = np.array([MENJO_OF.get(x, "") for x in ftype], dtype=object)
    kbn = np.array([KBN_OF.get(x, "") for x in ftype], dtype=object)
    return taisho, shub_after, menjo_shurui, kbn, nendo


def _exemption_decisions(
    rng,
    pension: Pension,
    ftype: np.ndarray,
    pidx: np.ndarray,
    nendo: np.ndarray,
    menjo_shurui: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(menjo_shurui applied for, shurui the income allows, JPS decision) of each filing:
    exemption decisions agree with the applicant's income (menjo_rules,
    docs/internal-contracts.md §D); some applicants ask for more, or less, than their income
    allows; some claims are refused."""
    nf = len(ftype)
    applied = menjo_shurui.copy()
    allowed = np.full(nf, "", dtype=object)
    decision = np.full(nf, "1", dtype=object)
    ex_idx = np.flatnonzero(np.isin(ftype, ("32", "33", "34")))
    inc_rows = (
        {
            (r["pidx"], r["nendo"]): _income_dict(r)
            for r in pension.shotoku.filter(
                pl.col("pidx").is_in(pl.Series(np.unique(pidx[ex_idx])).implode())
            ).to_dicts()
        }
        if len(ex_idx)
        else {}
    )
    r_applied = rng.random(nf)
    for i in ex_idx:
        inc = inc_rows.get((int(pidx[i]), int(nendo[i])))
        if ftype[i] == "32":
            a = menjo_rules.allowed_shurui(inc or {}, int(nendo[i]))
            grades = list(menjo_rules.GRADED_SHURUI)
            if a is None:
                applied[i] = "02" if r_applied[i] < 0.7 else "04"
            else:
                j = grades.index(a)
                if r_applied[i] < 0.25 and j > 0:
                    applied[i] = grades[j - 1]  # asks for more than the income allows
                elif r_applied[i] > 0.85 and j < len(grades) - 1:
                    applied[i] = grades[j + 1]
                else:
                    applied[i] = a
        allowed[i], decision[i] = expected_decision(ftype[i], applied[i], inc, int(nendo[i]))
    menjo_shurui = np.where(ftype == "32", applied, menjo_shurui)
    claim = np.isin(ftype, CLAIM_TYPES)
    decision = np.where(
        claim & (rng.random(nf) < np.where(ftype == "42", 0.25, 0.08)), "5", decision
    )
    return menjo_shurui, allowed, decision


# ---------------------------------------------------------------- lifecycle scenario
def _forwarding(
    rng,
    ftype: np.ndarray,
    t: np.ndarray,
    work_np: np.ndarray,
    batch_np: np.ndarray,
    pre: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(進達 batch date or NaT, life: forward / deleted / withdrawn / stuck, forwarded) of each
    filing: a filing is ready some working days after 受付 and goes in the next weekly batch."""
    nf = len(t)
    n_work = len(work_np)
    lag = np.where(
        np.isin(ftype, EXEMPTION_TYPES + CLAIM_TYPES),
        rng.integers(3, 12, nf),
        rng.integers(2, 5, nf),
    )
    ready = work_np[np.minimum(t + lag, n_work - 1)]
    ready = np.where(t + lag >= n_work, np.datetime64("2099-01-01"), ready)
    bpos = np.searchsorted(batch_np, ready, side="left")
    has_batch = bpos < len(batch_np)
    batch = np.where(has_batch, batch_np[np.minimum(bpos, len(batch_np) - 1)], np.datetime64("NaT"))
    life = rng.random(nf)
    life_kind = np.select(
        [life < 0.01, life < 0.025, life < 0.035], ["deleted", "withdrawn", "stuck"], "forward"
    ).astype(object)
    # deleted filings are made (and deleted) within the activity, so both rows are delivered
    life_kind = np.where((life_kind == "deleted") & (t < pre), "forward", life_kind)
    forwarded = (life_kind == "forward") & has_batch
    batch = np.where(forwarded, batch, np.datetime64("NaT"))
    return batch, life_kind, forwarded


def _scenarios(
    rng, ftype: np.ndarray, forwarded: np.ndarray, batch: np.ndarray, end: dt.date
) -> np.ndarray:
    """What JPS will answer for each forwarded filing (SCENARIOS; '' for the others); every
    scenario at least once when the city is small (on the earliest forwarded filings whose
    answers can still arrive)."""
    nf = len(ftype)
    scen = np.array(SCENARIOS)[
        np.searchsorted(np.cumsum(SCENARIO_P), rng.random(nf), side="right").clip(
            0, len(SCENARIOS) - 1
        )
    ].astype(object)
    mf_ok = np.isin(ftype, ("11", "13", "14", "31", "35"))
    scen = np.where((scen == "mismatch_field") & ~mf_ok, "mismatch_date", scen)
    scen = np.where(forwarded, scen, "")
    roomy = np.flatnonzero(forwarded & (batch <= np.datetime64(end) - np.timedelta64(49, "D")))
    for s_name in SCENARIOS:
        if (scen[roomy] == s_name).any() if len(roomy) else True:
            continue
        cands = roomy[scen[roomy] == "match"]
        if s_name == "mismatch_field":
            cands = cands[mf_ok[cands]]
        if len(cands):
            scen[cands[0]] = s_name
    return scen


def _every_lifecycle_once(
    scen: np.ndarray,
    life_kind: np.ndarray,
    forwarded: np.ndarray,
    batch: np.ndarray,
    t: np.ndarray,
    pre: int,
) -> None:
    """Every life other than forward at least once (in place): the latest plain match of the
    activity becomes deleted, withdrawn or stuck where none is."""
    for kind in ("deleted", "withdrawn", "stuck"):
        if not (life_kind == kind).any():
            c = np.flatnonzero((life_kind == "forward") & (t >= pre) & (scen == "match"))
            if len(c):
                life_kind[c[-1]] = kind
                forwarded[c[-1]] = False
                batch[c[-1]] = np.datetime64("NaT")
                scen[c[-1]] = ""


# ---------------------------------------------------------------- JPS results
#: weeks from 進達 to the first list that answers, and their probabilities
_ANSWER_WEEKS = np.array([1, 2, 3, 4, 5, 6])
_ANSWER_WEEKS_P = np.array([0.25, 0.3, 0.2, 0.12, 0.08, 0.05])


def _next_list(list_np: np.ndarray, d: np.datetime64) -> np.datetime64 | None:
    """The first JPS list on or after d (None after the period)."""
    k = np.searchsorted(list_np, d, side="left")
    return list_np[k] if k < len(list_np) else None


def _answer_rows(rj, filings: pl.DataFrame, list_np: np.ndarray) -> tuple[list[tuple], list[tuple]]:
    """The JPS rows each forwarded filing's scenario makes: (fid, list_date, role, kekka,
    taisho, shubetsu_after, menjo_shurui, henrei_riyu); and the returned filings that will be
    filed again, (fid, list date of the return)."""
    jrows: list[tuple] = []
    refiles: list[tuple] = []
    henrei = np.array(vocab.HENREI_RIYU, dtype=object)
    for f in filings.filter(pl.col("scenario") != "").to_dicts():
        b = np.datetime64(f["batch"])
        weeks = _ANSWER_WEEKS[np.searchsorted(np.cumsum(_ANSWER_WEEKS_P), rj.random())]
        first_l = _next_list(list_np, b + np.timedelta64(int(7 * weeks), "D"))
        if first_l is None or f["scenario"] == "unanswered":
            continue
        rows, refiled = _scenario_rows(rj, f, first_l, list_np, henrei)
        jrows += rows
        if refiled:
            refiles.append((f["fid"], first_l))
    return jrows, refiles


def _scenario_rows(
    rj, f: dict, first_l: np.datetime64, list_np: np.ndarray, henrei: np.ndarray
) -> tuple[list[tuple], bool]:
    """The rows of one filing's scenario, its first list being first_l; and whether a returned
    filing is filed again."""
    s_ = f["scenario"]
    fid = f["fid"]
    tai = np.datetime64(f["taisho"])
    same = (tai, f["shubetsu_after"], f["menjo_shurui"])
    dec = f["decision"]
    rows: list[tuple] = []
    refiled = False
    if s_ == "match":
        rows.append((fid, first_l, "final", dec, *same, ""))
    elif s_ == "mismatch_date":
        off = int(rj.integers(1, 11)) * (1 if rj.random() < 0.5 else -1)
        rows.append((fid, first_l, "final", dec, tai + np.timedelta64(off, "D"), *same[1:], ""))
    elif s_ == "mismatch_field":
        sa, mj = same[1], same[2]
        if f["type"] in ("11", "13", "14"):
            sa = {"1": "3", "3": "1", "4": "5"}[sa]
        else:
            mj = "02"
        rows.append((fid, first_l, "final", dec, tai, sa, mj, ""))
    elif s_ == "returned":
        rows.append((fid, first_l, "final", "2", *same, henrei[int(rj.integers(0, len(henrei)))]))
        refiled = rj.random() < 0.6
    elif s_ == "hold_final":
        rows.append((fid, first_l, "hold", "3", *same, ""))
        fin = _next_list(list_np, first_l + np.timedelta64(int(rj.integers(14, 29)), "D"))
        if fin is not None:
            rows.append((fid, fin, "final", dec, *same, ""))
    elif s_ == "hold_only":
        rows.append((fid, first_l, "hold", "3", *same, ""))
        if rj.random() < 0.4:
            again = _next_list(list_np, first_l + np.timedelta64(14, "D"))
            if again is not None:
                rows.append((fid, again, "hold", "3", *same, ""))
    elif s_ == "duplicate":
        rows.append((fid, first_l, "final", dec, *same, ""))
        dup = _next_list(list_np, first_l + np.timedelta64(int(rj.integers(7, 22)), "D"))
        if dup is not None:
            rows.append((fid, dup, "dup", dec, *same, ""))
    elif s_ == "large_shift":
        off = large_shift_days(rj)
        rows.append((fid, first_l, "shifted", dec, tai + np.timedelta64(off, "D"), *same[1:], ""))
    return rows, refiled


def _refile_returned(
    rj,
    filings: pl.DataFrame,
    refiles: list[tuple],
    jrows: list[tuple],
    staff: Staff,
    work: list[dt.date],
    batch_np: np.ndarray,
    list_np: np.ndarray,
) -> pl.DataFrame:
    """Returned and filed again: a new filing (new 受付番号) of the same person and type, its
    answer appended to jrows; received by someone at that office on that day."""
    work_np = np.array(work, dtype="datetime64[D]")
    n_work = len(work)
    nf = filings.height
    new_rows = []
    for orig, ret_list in refiles:
        f = filings.row(orig, named=True)
        d_new = np.datetime64(ret_list) + np.timedelta64(int(rj.integers(3, 16)), "D")
        k = np.searchsorted(work_np, d_new, side="left")
        if k >= n_work:
            continue
        lagk = int(rj.integers(2, 5))
        ready_k = work_np[k + lagk] if k + lagk < n_work else None
        bb = None
        if ready_k is not None:
            bi = np.searchsorted(batch_np, ready_k, side="left")
            bb = batch_np[bi] if bi < len(batch_np) else None
        new = dict(f)
        new.update(
            fid=nf + len(new_rows),
            t=int(k),
            uketsuke_date=work[k],
            uk_time=dt.datetime.combine(work[k], dt.time(9, 0))
            + dt.timedelta(seconds=int(rj.integers(0, 8 * 3600))),
            batch=None if bb is None else bb.astype(dt.date),
            scenario="match" if bb is not None else "",
            life="forward",
            refile_of=orig,
            post=False,
        )
        new_rows.append(new)
        if bb is not None:
            fl = _next_list(list_np, bb + np.timedelta64(int(7 * rj.integers(1, 5)), "D"))
            if fl is not None:
                tai = np.datetime64(new["taisho"])
                same = (tai, new["shubetsu_after"], new["menjo_shurui"])
                jrows.append((new["fid"], fl, "final", new["decision"], *same, ""))
    if not new_rows:
        return filings
    filings = pl.concat([filings, pl.DataFrame(new_rows, schema=filings.schema)])
    staff_ids = staff.staff["staff_id"].to_numpy()
    re = filings.filter(pl.col("refile_of") >= 0)
    got = pick_staff(staff, re["uketsuke_date"].to_list(), re["office"].to_numpy(), rj)
    sid_arr = filings["sidx"].to_numpy().copy()
    sid_arr[re["fid"].to_numpy()] = got
    return filings.with_columns(sidx=pl.Series(sid_arr), staff_id=pl.Series(staff_ids[sid_arr]))


def _jps_frame(jrows: list[tuple], filings: pl.DataFrame) -> pl.DataFrame:
    """The answer rows as a frame, with the person and type of their filing."""
    cols = list(zip(*jrows, strict=True)) if jrows else [[]] * 8
    jps = pl.DataFrame(
        {
            "fid": np.array(cols[0], dtype=np.int64),
            "list_date": np.array(cols[1], dtype="datetime64[D]"),
            "role": np.array(cols[2], dtype=object).astype(str),
            "kekka": np.array(cols[3], dtype=object).astype(str),
            "taisho": np.array(cols[4], dtype="datetime64[D]"),
            "shubetsu_after": np.array(cols[5], dtype=object).astype(str),
            "menjo_shurui": np.array(cols[6], dtype=object).astype(str),
            "henrei_riyu": np.array(cols[7], dtype=object).astype(str),
        },
        schema_overrides={"list_date": pl.Date, "taisho": pl.Date},
    )
    return jps.join(
        filings.select("fid", "pidx", "krow", "kiso", "type"),
        on="fid",
        how="left",
        maintain_order="left",
    )


def _unmatched_results(
    rj,
    jps: pl.DataFrame,
    filings: pl.DataFrame,
    pension: Pension,
    unused: np.ndarray,
    list_np: np.ndarray,
    end: dt.date,
) -> pl.DataFrame:
    """jps plus the unmatched results: persons and types without any filing, or a target date
    far away; rows listed after the period are dropped."""
    kh = pension.kihon
    kp = kh["pidx"].to_numpy()
    henrei = np.array(vocab.HENREI_RIYU, dtype=object)
    n_un = max(2, int(jps.height * 0.03)) if len(list_np) else 0
    un_k = unused[rj.permutation(len(unused))[:n_un]]
    un_list = list_np[rj.integers(0, len(list_np), len(un_k))] if len(list_np) else list_np
    un_type = np.array(["11", "12", "13", "31", "32", "41"])[rj.integers(0, 6, len(un_k))]
    un_tai = un_list - rj.integers(10, 120, len(un_k)).astype("timedelta64[D]")
    un_kekka = np.array(["1", "1", "1", "2", "3"])[rj.integers(0, 5, len(un_k))]
    un = (
        pl.DataFrame(
            {
                "fid": np.full(len(un_k), -1),
                "list_date": un_list,
                "role": "unmatched",
                "kekka": un_kekka,
                "taisho": un_tai,
                "shubetsu_after": np.where(np.isin(un_type, ("11", "13")), "1", ""),
                "menjo_shurui": np.select([un_type == "31", un_type == "32"], ["01", "02"], ""),
                "henrei_riyu": np.where(un_kekka == "2", henrei[0], ""),
                "pidx": kp[un_k],
                "krow": un_k,
                "kiso": kh["kiso_nenkin_no"].to_numpy()[un_k],
                "type": un_type,
            },
            schema_overrides={"list_date": pl.Date, "taisho": pl.Date},
        )
        .select(jps.columns)
        .cast(jps.schema)
    )
    far = _far_unmatched(rj, jps, filings, list_np, end, n_un)
    if far is not None:
        un = pl.concat([un, far])
    return pl.concat([jps, un]).filter(pl.col("list_date") <= end)


def _far_unmatched(
    rj,
    jps: pl.DataFrame,
    filings: pl.DataFrame,
    list_np: np.ndarray,
    end: dt.date,
    n_un: int,
) -> pl.DataFrame | None:
    """The far variant: the person of a forwarded filing that has its final row by exact date or
    within the window (so it is not open, docs/internal-contracts.md §F step 6), same type, a
    date a year away."""
    answered = jps.filter((pl.col("role") == "final") & (pl.col("list_date") <= end))["fid"]
    refiled = filings.filter(pl.col("refile_of") >= 0)
    fwd = filings.filter(
        pl.col("batch").is_not_null()
        & pl.col("scenario").is_in(ANSWERED_IN_WINDOW)
        & pl.col("fid").is_in(answered.implode())
        & ~pl.col("fid").is_in(refiled["fid"].implode())
        & ~pl.col("fid").is_in(refiled["refile_of"].implode())
    )
    if not (fwd.height and len(list_np)):
        return None
    far = fwd.sample(n=min(fwd.height, max(1, n_un // 3)), seed=int(rj.integers(0, 2**31)))
    fl = list_np[rj.integers(0, len(list_np), far.height)]
    return far.select(
        pl.lit(-1, pl.Int64).alias("fid"),
        pl.Series("list_date", fl).cast(pl.Date),
        pl.lit("unmatched").alias("role"),
        pl.lit("1").alias("kekka"),
        (pl.col("taisho") - pl.duration(days=365)).alias("taisho"),
        "shubetsu_after",
        "menjo_shurui",
        pl.lit("").alias("henrei_riyu"),
        "pidx",
        "krow",
        "kiso",
        "type",
    )


# ---------------------------------------------------------------- 受付番号
def _uketsuke_numbers(filings: pl.DataFrame) -> pl.DataFrame:
    """受付番号: the 受付 date and the filing's position in that day's receipts."""
    filings = filings.sort("uketsuke_date", "uk_time", "fid")
    return filings.with_columns(
        uketsuke_no=pl.col("uketsuke_date").dt.strftime("%Y%m%d")
        + (pl.int_range(pl.len()).over("uketsuke_date") + 1).cast(pl.String).str.zfill(4)
    ).sort("fid")


# ---------------------------------------------------------------- exemption disagreements
def _flip_exemption_decisions(rj, jps: pl.DataFrame) -> pl.DataFrame:
    """About 5% of exemption filings get a JPS decision that disagrees with the income."""
    dec_final = jps.filter(
        pl.col("role").is_in(["final", "dup"]) & pl.col("type").is_in(["32", "33", "34"])
    )
    cand_f = dec_final.filter(pl.col("role") == "final")["fid"].unique().sort().to_numpy()
    n_flip = max(2, int(len(cand_f) * 0.05)) if len(cand_f) else 0
    flip = set(rj.permutation(cand_f)[:n_flip].tolist())
    flip_to = {"4": "5", "5": "4", "6": "4"}
    return jps.with_columns(
        kekka=pl.when(pl.col("fid").is_in(list(flip)) & pl.col("role").is_in(["final", "dup"]))
        .then(pl.col("kekka").replace(flip_to))
        .otherwise(pl.col("kekka"))
    )


# ---------------------------------------------------------------- list ids and row numbers
def _list_positions(rj, jps: pl.DataFrame) -> pl.DataFrame:
    """list_id of each row's list, its row_no there (by type, then at random) and a row id."""
    jps = jps.with_columns(
        list_id=pl.lit("JPS") + pl.col("list_date").dt.strftime("%Y%m%d"),
        _r=pl.Series(rj.random(jps.height)),
    ).sort("list_date", "type", "_r")
    jps = jps.with_columns(row_no=pl.int_range(1, pl.len() + 1).over("list_id")).drop("_r")
    return jps.with_row_index("rid")


# ---------------------------------------------------------------- bad input victims
def _bad_input_victims(
    seed: int, filings: pl.DataFrame, jps: pl.DataFrame
) -> tuple[dict[int, tuple[str, str, str]], dict[int, tuple[str, str, str]]]:
    """The filings (by fid) and JPS rows (by rid) damaged by bad input: (column, bad value,
    expected reject reason)."""
    victims_f: dict[int, tuple[str, str, str]] = {}
    victims_r: dict[int, tuple[str, str, str]] = {}
    rb = stream(seed, "bad", "filings")
    simple = _simple_matched(filings, jps)
    pickf = rb.permutation(simple)
    specs_f = [
        ("office_code", "K99", "unknown_code"),
        ("todokede_shubetsu", "99", "unknown_code"),
        ("uketsuke_date", "4310501", "invalid_era_date"),
        ("kojin_no", "bad_check", "invalid_kojin_no"),
    ]
    for spec, fid in zip(specs_f, pickf, strict=False):
        victims_f[int(fid)] = spec
    rest = [int(x) for x in pickf[len(victims_f) :]]
    fin_of = jps.filter(pl.col("role") == "final").select("fid", "rid")
    fin_map = dict(zip(fin_of["fid"].to_list(), fin_of["rid"].to_list(), strict=True))
    if rest:
        victims_r[int(fin_map[rest[0]])] = ("kekka", "9", "unknown_code")
    unm = jps.filter(pl.col("role") == "unmatched")["rid"].to_list()
    if unm:
        victims_r[int(unm[0])] = ("kiso_nenkin_no", "12345678", "invalid_kiso_nenkin_no")
    dups = jps.filter(pl.col("role") == "dup")["rid"].to_list()
    if dups:
        victims_r[int(dups[0])] = ("taisho_date", "3640108", "invalid_era_date")
    return victims_f, victims_r


def pick_staff(
    staff: Staff, days: list[dt.date], office: np.ndarray, rng, roles=("1", "2", "3")
) -> np.ndarray:
    """For each (day, office) a working member of that office (fallback H00, then anyone)."""
    per = staff.periods.join(
        staff.staff.select("sidx", "role"), on="sidx", how="left", maintain_order="left"
    )
    per = per.filter(pl.col("working") & pl.col("role").is_in(list(roles)))
    p_sidx = per["sidx"].to_numpy()
    p_from = per["p_from"].to_numpy()
    p_to = per["p_to"].to_numpy()
    p_dept = per["dept"].to_numpy().astype(str)
    day_np = np.array(days, dtype="datetime64[D]")
    out = np.full(len(days), -1)
    for d in np.unique(day_np):
        on = (p_from <= d) & (p_to > d)
        idx = np.flatnonzero(day_np == d)
        offs = office[idx]
        for o in np.unique(offs):
            cand = p_sidx[on & (p_dept == o)]
            if len(cand) == 0:
                cand = p_sidx[on & (p_dept == "H00")]
            if len(cand) == 0:
                cand = p_sidx[on]
            k = idx[offs == o]
            out[k] = cand[rng.integers(0, len(cand), len(k))]
    return out


def large_shift_days(rng) -> int:
    """A JPS correction of the target date beyond the window: half of them just beyond it (as
    the city's lists show, up to 60 days), half up to MAX_SHIFT days; either direction."""
    if rng.random() < 0.5:
        size = int(rng.integers(WINDOW + 1, 61))
    else:
        size = int(rng.integers(61, MAX_SHIFT + 1))
    return size * (1 if rng.random() < 0.5 else -1)


def _simple_matched(filings: pl.DataFrame, jps: pl.DataFrame) -> np.ndarray:
    """Filings whose only result row is one final matching row (safe victims for bad input).
    Not the filings a far unmatched row aims at: without their final row they would be open and
    take it (docs/internal-contracts.md §F step 6)."""
    per = (
        jps.filter(pl.col("fid") >= 0)
        .group_by("fid")
        .agg(pl.len().alias("n"), pl.col("role").first())
    )
    refiled = set(filings.filter(pl.col("refile_of") >= 0)["refile_of"].to_list()) | set(
        filings.filter(pl.col("refile_of") >= 0)["fid"].to_list()
    )
    ok = filings.join(per, on="fid").filter(
        (pl.col("scenario") == "match")
        & (pl.col("n") == 1)
        & (pl.col("role") == "final")
        & (pl.col("kiso") != "")
    )
    ok = ok.filter(~pl.col("fid").is_in(list(refiled)))
    far = jps.filter(pl.col("role") == "unmatched").select("kiso", "type").unique()
    ok = ok.join(far, on=["kiso", "type"], how="anti")
    return ok.sort("fid")["fid"].to_numpy()


def _truth(filings: pl.DataFrame, jps: pl.DataFrame) -> pl.DataFrame:
    """fct_reconciliation by construction (docs/internal-contracts.md §F), after bad-input
    damage: the key columns and taisho_date_shift_days (JPS target date − the filing's, for
    matched and mismatched filings)."""
    live = jps.filter(~pl.col("damaged"))
    damaged_f = set(filings.filter(pl.col("damaged"))["fid"].to_list())
    out: list[tuple] = []
    by_fid: dict[int, list[dict]] = {}
    for r in live.sort("list_date", "list_id", "row_no").to_dicts():
        by_fid.setdefault(r["fid"], []).append(r)
    for f in filings.sort("fid").to_dicts():
        fid = f["fid"]
        if f["life"] == "deleted" or fid in damaged_f:
            continue
        uk = f["uketsuke_no"]
        if f["life"] == "withdrawn":
            out.append((uk, None, None, "withdrawn", None, None))
            continue
        if f["batch"] is None:
            out.append((uk, None, None, "not_forwarded", None, None))
            continue
        rows = by_fid.get(fid, [])
        finals = [r for r in rows if r["role"] in ("final", "shifted", "dup")]
        holds = [r for r in rows if r["role"] == "hold"]
        if finals:
            r0 = finals[0]
            if r0["kekka"] == "2":
                out.append((uk, r0["list_id"], r0["row_no"], "returned", None, None))
            else:
                diff = sorted(name for name, col in COMPARED if r0[col] != f[col])
                fields = ",".join(diff) or None
                shift = (r0["taisho"] - f["taisho"]).days
                status = "mismatched" if diff else "matched"
                out.append((uk, r0["list_id"], r0["row_no"], status, fields, shift))
            # a further final row names the filing that already has its result (published
            # docs/published-contract.md §3.2: uketsuke_no is null only for an unmatched result)
            for r in finals[1:]:
                out.append((uk, r["list_id"], r["row_no"], "duplicate_result", None, None))
        elif holds:
            h = holds[-1]
            out.append((uk, h["list_id"], h["row_no"], "pending", None, None))
        else:
            out.append((uk, None, None, "pending", None, None))
    # rows decided by no filing: designed unmatched ones and the results of filings lost to
    # quarantine
    for r in live.sort("list_date", "list_id", "row_no").to_dicts():
        if r["role"] == "unmatched" or (r["fid"] in damaged_f):
            out.append((None, r["list_id"], r["row_no"], "unmatched_result", None, None))
    df = pl.DataFrame(
        out,
        schema={
            "uketsuke_no": pl.String,
            "list_id": pl.String,
            "row_no": pl.Int64,
            "status": pl.String,
            "mismatch_fields": pl.String,
            "taisho_date_shift_days": pl.Int64,
        },
        orient="row",
    )
    return df.sort("uketsuke_no", "list_id", "row_no", nulls_last=True)


def _exemption_truth(filings: pl.DataFrame, jps: pl.DataFrame, recon: pl.DataFrame) -> pl.DataFrame:
    dec = recon.filter(pl.col("status").is_in(["matched", "mismatched"])).join(
        jps.select("list_id", "row_no", "kekka"), on=["list_id", "row_no"], how="left"
    )
    ex = filings.filter(pl.col("type").is_in(["32", "33", "34"])).select(
        "uketsuke_no",
        "nendo",
        applied_shurui="menjo_shurui",
        allowed_shurui="allowed",
        expected="decision",
    )
    out = ex.join(dec.select("uketsuke_no", jps_kekka="kekka"), on="uketsuke_no", how="inner")
    out = out.filter(pl.col("jps_kekka").is_in(["4", "5", "6"]))
    return (
        out.with_columns(expect_disagreement=(pl.col("jps_kekka") != pl.col("expected")))
        .select(
            "uketsuke_no",
            "nendo",
            "applied_shurui",
            "allowed_shurui",
            "jps_kekka",
            "expect_disagreement",
        )
        .sort("uketsuke_no")
    )


def _bad_kojin(value: str) -> str:
    """A 12-digit number with a wrong check digit."""
    from ..formats import kojin_no_check_digit

    body = value[:11] if len(value) >= 11 else "12345678901"
    good = kojin_no_check_digit(body)
    return body + str((good + 1) % 10)


FW_FROM = list("0123456789-")
FW_TO = list("０１２３４５６７８９－")


def _fullwidth(col: pl.Expr) -> pl.Expr:
    return col.str.replace_many(FW_FROM, FW_TO)


def _hyphen(col: pl.Expr) -> pl.Expr:
    return pl.when(col != "").then(col.str.slice(0, 4) + "-" + col.str.slice(4)).otherwise(col)


def _stamp(days: np.ndarray, secs: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[ms]") + (
        np.asarray(secs, dtype=np.int64) * 1000
    ).astype("timedelta64[ms]")


def _todokede_versions(
    seed: int, filings: pl.DataFrame, cal: Calendar, victims: dict
) -> pl.DataFrame:
    """Every version of every filing: I at reception, then U (取下げ, 進達, late older copies) or D."""
    r = stream(seed, "filings", "versions")
    work = np.array(cal.work, dtype="datetime64[D]")
    n_work = len(work)
    pre = n_work - cal.days
    f = filings.sort("fid")
    n = f.height
    u = r.random((n, 6))
    pk = f["pkojin"].to_numpy().astype(str)
    base = _inject_bad_values(_todokede_base(f, u, pk), f["fid"].to_numpy(), pk, victims)
    uk = f["uk_time"].to_numpy().astype("datetime64[ms]")
    t = f["t"].to_numpy()
    life = f["life"].to_numpy().astype(str)
    parts = [
        base.with_columns(
            _changed_at=pl.Series(uk),
            _ct=pl.lit("I"),
            _deliver=pl.Series(uk.astype("datetime64[D]")),
        )
    ]
    # deleted: D 0-2 working days later
    m = life == "deleted"
    k = np.minimum(t + r.integers(0, 3, n), n_work - 1)
    td = np.maximum(
        _stamp(work[k], 17.5 * 3600 + r.integers(0, 3600, n)), uk + np.timedelta64(300_000, "ms")
    )
    parts.append(
        base.filter(pl.Series(m)).with_columns(_changed_at=pl.Series(td[m]), _ct=pl.lit("D"))
    )
    # withdrawn: U with torisage 1, 1-5 working days later
    m = life == "withdrawn"
    k = np.minimum(t + r.integers(1, 6, n), n_work - 1)
    # never before the filing itself: a filing withdrawn on the day it was received (the last
    # working day, say) is withdrawn a few minutes later, so its U row is always delivered
    tw = np.maximum(
        _stamp(work[k], 10 * 3600 + r.integers(0, 6 * 3600, n)), uk + np.timedelta64(300_000, "ms")
    )
    parts.append(
        base.filter(pl.Series(m)).with_columns(
            torisage=pl.lit("1"), _changed_at=pl.Series(tw[m]), _ct=pl.lit("U")
        )
    )
    # forwarded: U with 進達 date and batch
    batch = f["batch"].to_numpy().astype("datetime64[D]")
    m = ~np.isnat(batch)
    tb = _stamp(np.where(m, batch, work[0]), 17 * 3600 + r.integers(0, 3000, n))
    fwd = base.filter(pl.Series(m)).with_columns(
        shintatsu_date=pl.Series(era(batch[m])),
        shintatsu_batch=pl.lit("B")
        + pl.Series(batch[m]).dt.strftime("%Y%m%d")
        + pl.col("office_code"),
        _changed_at=pl.Series(tb[m]),
        _ct=pl.lit("U"),
    )
    parts.append(fwd)
    parts = [parts[0]] + [
        p_.with_columns(_deliver=pl.col("_changed_at").dt.date()) for p_ in parts[1:]
    ]
    # an older version delivered after the newer one (per key the later changed_at wins)
    bi = np.searchsorted(work, np.where(m, batch, work[0]))
    late = m & (u[:, 4] < 0.05) & (bi >= pre) & (bi + 3 < n_work)
    late_day = work[np.minimum(bi + 1 + r.integers(0, 3, n), n_work - 1)]
    parts.append(
        base.filter(pl.Series(late)).with_columns(
            _changed_at=pl.Series(uk[late] + np.timedelta64(1_800_000, "ms")),
            _ct=pl.lit("U"),
            _deliver=pl.Series(late_day[late]).cast(pl.Date),
        )
    )
    return pl.concat(parts, how="vertical_relaxed")


def _todokede_base(f: pl.DataFrame, u: np.ndarray, pk: np.ndarray) -> pl.DataFrame:
    """The todokede columns of each filing as received: 個人番号 given on most, 基礎年金番号
    missing on some posted ones, hand-keyed full-width digits or a hyphenated 基礎年金番号 on a
    few; u holds per-filing uniform draws (columns 0-3 used here)."""
    post = f["post"].to_numpy()
    has_k = pk != ""
    kojin_on = has_k & (u[:, 0] < np.where(post, 0.9, 0.7))
    no_kiso = post & kojin_on & (u[:, 1] < 0.35)
    fw = ~post & (u[:, 2] < 0.04)  # hand-keyed with full-width digits
    hy = ~fw & ~no_kiso & (u[:, 3] < 0.03)
    base = f.select(
        "uketsuke_no",
        pl.Series("uketsuke_date", era(f["uketsuke_date"].to_numpy())),
        pl.col("office").alias("office_code"),
        "staff_id",
        pl.col("type").alias("todokede_shubetsu"),
        "atena_no",
        pl.when(pl.Series(kojin_on)).then(pl.col("pkojin")).otherwise(pl.lit("")).alias("kojin_no"),
        pl.when(pl.Series(no_kiso))
        .then(pl.lit(""))
        .otherwise(pl.col("kiso"))
        .alias("kiso_nenkin_no"),
        pl.Series("taisho_date", era(f["taisho"].to_numpy())),
        "shubetsu_after",
        "menjo_shurui",
        "nenkin_kbn",
        pl.lit("").alias("shintatsu_date"),
        pl.lit("").alias("shintatsu_batch"),
        pl.lit("0").alias("torisage"),
    )
    fws, hys = pl.Series(fw), pl.Series(hy)
    base = base.with_columns(
        kojin_no=pl.when(fws).then(_fullwidth(pl.col("kojin_no"))).otherwise(pl.col("kojin_no")),
        kiso_nenkin_no=pl.when(fws)
        .then(_fullwidth(_hyphen(pl.col("kiso_nenkin_no"))))
        .when(hys)
        .then(_hyphen(pl.col("kiso_nenkin_no")))
        .otherwise(pl.col("kiso_nenkin_no")),
        taisho_date=pl.when(fws)
        .then(_fullwidth(pl.col("taisho_date")))
        .otherwise(pl.col("taisho_date")),
        _bad_code=pl.lit(""),
        _bad_column=pl.lit(""),
        _bad_note=pl.lit(""),
    )
    return base


def _inject_bad_values(
    base: pl.DataFrame, fid: np.ndarray, pk: np.ndarray, victims: dict
) -> pl.DataFrame:
    """The bad-input victims' damaged value (an invalid 個人番号 from the filing's own) with the
    marks of what was injected."""
    for v_fid, (col, val, code) in victims.items():
        k = int(np.flatnonzero(fid == v_fid)[0])
        if val == "bad_check":
            val = _bad_kojin(pk[k] or "123456789012")
        for c, v in (
            (col, val),
            ("_bad_code", code),
            ("_bad_column", col),
            ("_bad_note", f"injected: {col} = {val}"),
        ):
            base = base.with_columns(base[c].clone().scatter(k, v))
    return base


def _jps_text(
    seed: int, jps: pl.DataFrame, pension: Pension, people: People, victims: dict
) -> pl.DataFrame:
    r = stream(seed, "filings", "jpstext")
    n = jps.height
    kj = pension.kihon["kojin_no"].gather(jps["krow"])
    u = r.random((n, 3))
    has = (kj != "").to_numpy()
    nokiso = has & (u[:, 1] < 0.03)  # JPS row without 基礎年金番号, with 個人番号
    kj_on = has & ((u[:, 0] < 0.4) | nokiso)
    hy = ~nokiso & (u[:, 2] < 0.03)
    kd = jps["list_date"].to_numpy().astype("datetime64[D]") - r.integers(1, 6, n).astype(
        "timedelta64[D]"
    )
    out = jps.select(
        "list_id",
        pl.Series("list_date", era(jps["list_date"].to_numpy())),
        pl.col("row_no").cast(pl.String),
        pl.when(pl.Series(nokiso))
        .then(pl.lit(""))
        .when(pl.Series(hy))
        .then(_hyphen(pl.col("kiso")))
        .otherwise(pl.col("kiso"))
        .alias("kiso_nenkin_no"),
        pl.when(pl.Series(kj_on)).then(kj).otherwise(pl.lit("")).alias("kojin_no"),
        people.df["shimei_kana"].gather(jps["pidx"]).alias("shimei_kana"),
        pl.col("type").alias("todokede_shubetsu"),
        pl.Series("taisho_date", era(jps["taisho"].to_numpy())),
        "kekka",
        pl.Series("kekka_date", era(kd)),
        "shubetsu_after",
        "menjo_shurui",
        pl.when(pl.col("kekka") == "2")
        .then(pl.col("henrei_riyu"))
        .otherwise(pl.lit(""))
        .alias("henrei_riyu"),
        pl.lit("").alias("_bad_code"),
        pl.lit("").alias("_bad_column"),
        pl.lit("").alias("_bad_note"),
        pl.col("list_date").alias("_deliver"),
        pl.col("pidx").alias("_pidx"),
    )
    rid = jps["rid"].to_numpy()
    for v_rid, (col, val, code) in victims.items():
        k = int(np.flatnonzero(rid == v_rid)[0])
        for c, v in (
            (col, val),
            ("_bad_code", code),
            ("_bad_column", col),
            ("_bad_note", f"injected: {col} = {val}"),
        ):
            out = out.with_columns(out[c].clone().scatter(k, v))
    return out


def _pension_changes(seed, filings, jps, pension: Pension, cal: Calendar, recon):
    """Rows the period's filings cause in menjo / saitei / shikaku / fuka, and the JPS result
    entry events (when staff key the results in)."""
    entries, entry_of, final_kekka = _result_entries(stream(seed, "filings", "changes"), jps, cal)
    shk = pension.shikaku
    open_period = {
        (row["pidx"]): row for row in shk.filter(pl.col("soshitsu_date").is_null()).to_dicts()
    }
    max_seq = dict(
        zip(
            *shk.group_by("pidx").agg(pl.col("seq").max()).to_dict(as_series=False).values(),
            strict=True,
        )
    )
    fuka_open = {
        row["pidx"]: row for row in pension.fuka.filter(pl.col("dattai_date").is_null()).to_dicts()
    }
    menjo, saitei, shikaku, fuka = [], [], [], []
    menjo_seen: set = set()
    relevant = filings.filter(
        pl.col("type").is_in(list(EXEMPTION_TYPES + CLAIM_TYPES))
        | pl.col("fid").is_in(list(entry_of))
    ).sort("fid")
    for f in relevant.to_dicts():
        ty = f["type"]
        decided = final_kekka.get(f["fid"])
        if ty in EXEMPTION_TYPES:
            menjo += _menjo_changes(f, entry_of.get(f["fid"]), decided, menjo_seen)
        if ty in CLAIM_TYPES:
            saitei += _saitei_changes(f)
        if f["fid"] in entry_of and decided == "1":
            te = entry_of[f["fid"]] + dt.timedelta(seconds=20)
            shikaku += _shikaku_changes(f, te, open_period, max_seq)
            fuka += _fuka_changes(f, te, fuka_open)
    changes = {
        "menjo": _change_frame(menjo, "menjo"),
        "saitei": _change_frame(saitei, "saitei"),
        "shikaku": _change_frame(shikaku, "shikaku"),
        "fuka": _change_frame(fuka, "fuka"),
    }
    return changes, entries


#: a change row: (extract columns as text, changed_at, change_type)
_Change = tuple[dict, dt.datetime, str]


@cache
def _era_or_empty(d: dt.date | None) -> str:
    return "" if d is None else date_to_era(d)


def _result_entries(
    r, jps: pl.DataFrame, cal: Calendar
) -> tuple[pl.DataFrame, dict[int, dt.datetime], dict[int, str]]:
    """(entry events: day, time, pidx, list_id, row_no; entry time and kekka of each filing's
    first final row): each delivered JPS row is keyed in by the 本庁 (H00) on its list day or up
    to two working days later."""
    act = np.array(cal.activity, dtype="datetime64[D]")
    live = jps.filter(~pl.col("damaged")).sort("list_date", "row_no")
    ld = live["list_date"].to_numpy().astype("datetime64[D]")
    k = np.searchsorted(act, ld)
    inside = (k < len(act)) & (act[np.minimum(k, len(act) - 1)] == ld)
    k2 = np.minimum(k + r.integers(0, 3, len(k)), len(act) - 1)
    ts = _stamp(act[k2], 9 * 3600 + r.integers(0, 8 * 3600, len(k)))
    ent = live.with_columns(day=pl.Series(act[k2]).cast(pl.Date), time=pl.Series(ts)).filter(
        pl.Series(inside)
    )
    first_final = (
        ent.filter((pl.col("role") == "final") & (pl.col("fid") >= 0))
        .group_by("fid", maintain_order=True)
        .first()
    )
    entry_of = dict(zip(first_final["fid"].to_list(), first_final["time"].to_list(), strict=True))
    final_kekka = dict(
        zip(first_final["fid"].to_list(), first_final["kekka"].to_list(), strict=True)
    )
    return ent.select("day", "time", "pidx", "list_id", "row_no"), entry_of, final_kekka


def _menjo_changes(
    f: dict, entered: dt.datetime | None, decided: str | None, menjo_seen: set
) -> list[_Change]:
    """An exemption filing's menjo rows: 審査中 on receipt (deleted with the filing), and the
    decision once its final JPS row is keyed in (entered, with kekka decided)."""
    ty, t0 = f["type"], f["uk_time"]
    key = (f["kiso"], f["nendo"], f["menjo_shurui"])
    kto = None
    if ty in ("32", "33", "34"):
        kto = dt.date(f["nendo"] + 1, 6, 30)
    elif ty == "35":
        kto = f["taisho"] + dt.timedelta(days=120)
    rec = {
        "kiso_nenkin_no": f["kiso"],
        "kojin_no": f["pkojin"],
        "nendo": str(f["nendo"]),
        "menjo_shurui": f["menjo_shurui"],
        "shinsei_date": _era_or_empty(f["uketsuke_date"]),
        "kikan_from": _era_or_empty(f["taisho"]),
        "kikan_to": _era_or_empty(kto),
        "kekka": "3",
        "kekka_date": "",
        "shuryo_date": "",
        "homen_shometsu_date": "",
        "sofu_date": "",
        "gakko_code": str(11000 + f["pidx"] % 900) if ty == "33" else "",
    }
    ct = "U" if key in menjo_seen else "I"
    menjo_seen.add(key)
    out: list[_Change] = [(rec, t0 + dt.timedelta(seconds=40), ct)]
    if f["life"] == "deleted":
        out.append((rec, t0 + dt.timedelta(hours=1), "D"))
        menjo_seen.discard(key)
    elif entered is not None and decided in ("1", "4", "5", "6"):
        kk = {"1": "1", "4": "1", "5": "2", "6": "4"}[decided]
        decision = {
            **rec,
            "kekka": kk,
            "kekka_date": _era_or_empty(entered.date()),
            "sofu_date": _era_or_empty(entered.date() + dt.timedelta(days=7)),
        }
        out.append((decision, entered + dt.timedelta(seconds=30), "U"))
    return out


def _saitei_changes(f: dict) -> list[_Change]:
    """A claim's saitei row on receipt (deleted with the filing)."""
    t0 = f["uk_time"]
    rec = {
        "uketsuke_no": f["uketsuke_no"],
        "nenkin_kbn": f["nenkin_kbn"],
        "atena_no": f["atena_no"],
        "kojin_no": f["pkojin"],
        "kiso_nenkin_no": f["kiso"],
        "shosho_no": "",
        "nenkin_code": NENKIN_CODE[f["nenkin_kbn"]],
        "seikyu_date": _era_or_empty(f["taisho"]),
        "shindansho": vocab.SHINDANSHO_TEXTS[f["pidx"] % len(vocab.SHINDANSHO_TEXTS)]
        if f["type"] == "42"
        else "",
        "seikyusha_atena_no": f["atena_no"],
        "_pidx": f["pidx"],
    }
    out: list[_Change] = [(rec, t0 + dt.timedelta(seconds=45), "I")]
    if f["life"] == "deleted":
        out.append((rec, t0 + dt.timedelta(hours=1), "D"))
    return out


def _shikaku_changes(f: dict, te: dt.datetime, open_period: dict, max_seq: dict) -> list[_Change]:
    """The 資格 rows of a processed (処理済) filing, keyed in at te: a new period (取得,
    任意加入), the open period closed (喪失, 種別変更, 任意脱退) and, for 種別変更, the next one."""
    ty, p = f["type"], f["pidx"]
    op = open_period.get(p)
    seq = max_seq.get(p, 0)
    base = {
        "kiso_nenkin_no": f["kiso"],
        "kojin_no": f["pkojin"],
        "shutoku_riyu": "",
        "soshitsu_riyu": "",
    }
    opened = {
        **base,
        "seq": str(seq + 1),
        "shutoku_date": _era_or_empty(f["taisho"]),
        "soshitsu_date": "",
        "soshitsu_jiyu": "",
    }
    if ty in ("11", "14"):
        jiyu = "厚生年金喪失" if ty == "11" else "任意加入"
        return [({**opened, "shubetsu": f["shubetsu_after"] or "1", "shutoku_jiyu": jiyu}, te, "I")]
    if ty not in ("12", "13", "15") or op is None:
        return []
    closed = {
        **base,
        "seq": str(op["seq"]),
        "shubetsu": op["shubetsu"],
        "shutoku_date": _era_or_empty(op["shutoku_date"]),
        "shutoku_jiyu": op["shutoku_jiyu"],
        "soshitsu_date": _era_or_empty(f["taisho"]),
        "soshitsu_jiyu": {"12": "厚生年金加入", "13": "種別変更", "15": "任意脱退"}[ty],
    }
    out: list[_Change] = [(closed, te, "U")]
    if ty == "13":
        nxt = {**opened, "shubetsu": f["shubetsu_after"], "shutoku_jiyu": "種別変更"}
        out.append((nxt, te + dt.timedelta(seconds=1), "I"))
    return out


def _fuka_changes(f: dict, te: dt.datetime, fuka_open: dict) -> list[_Change]:
    """The 付加 row of a processed 付加 filing, keyed in at te: 加入 (21) or 辞退 (22)."""
    ty, p = f["type"], f["pidx"]
    if ty == "21":
        rec = {"kanyu_date": _era_or_empty(f["taisho"]), "dattai_date": ""}
    elif ty == "22" and p in fuka_open:
        rec = {
            "kanyu_date": _era_or_empty(fuka_open[p]["kanyu_date"]),
            "dattai_date": _era_or_empty(f["taisho"]),
        }
    else:
        return []
    ct = "I" if ty == "21" else "U"
    return [({"kiso_nenkin_no": f["kiso"], "kojin_no": f["pkojin"], **rec}, te, ct)]


def _change_frame(items: list[_Change], extract: str) -> pl.DataFrame:
    """Change rows of an extract: its columns as text (missing ones empty), _changed_at, _ct,
    _pidx (-1 where unknown)."""
    cols = [c for c in EXTRACTS[extract].columns if c not in ("change_type", "changed_at")]
    schema = {
        **{c: pl.String for c in cols},
        "_changed_at": pl.Datetime("ms"),
        "_ct": pl.String,
        "_pidx": pl.Int64,
    }
    if not items:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(
        [
            {
                **{c: rec.get(c, "") for c in cols},
                "_changed_at": ts,
                "_ct": ct,
                "_pidx": rec.get("_pidx", -1),
            }
            for rec, ts, ct in items
        ],
        schema=schema,
    )


def _teikyo(seed, filings, pension, staff: Staff, cal: Calendar):
    """提供・移転の記録: the weekly 進達 to JPS, and the occasional other provisions."""
    r = stream(seed, "filings", "teikyo")
    fw = filings.filter(pl.col("batch").is_not_null())
    batches = fw.group_by("batch", "office").agg(n=pl.len()).sort("batch", "office")
    per_day = fw.group_by("batch").agg(n=pl.len()).sort("batch").filter(pl.col("batch") >= START)
    recs = []
    h00 = staff.staff.join(
        staff.periods.filter(pl.col("dept") == "H00"), on="sidx", maintain_order="left_right"
    ).filter(pl.col("role").is_in(["2", "3"]))

    def operator(d):
        st = h00.filter((pl.col("p_from") <= d) & (pl.col("p_to") > d) & pl.col("working"))
        ids = st["staff_id"].to_list() or h00["staff_id"].to_list()
        return ids[int(r.integers(0, len(ids)))] if ids else "S00001"

    for d, n in zip(per_day["batch"].to_list(), per_day["n"].to_list(), strict=True):
        recs.append((d, dt.time(17, 45), "JPS", "1", n, f"SHINTATSU_{d:%Y%m%d}.csv", operator(d)))
    receivers = int((pension.kihon["profile"] == P_RECEIVER).sum())
    months = sorted({(d.year, d.month) for d in cal.activity})
    for y, m in months:
        days_m = [d for d in cal.activity if (d.year, d.month) == (y, m)]
        recs.append(
            (
                days_m[0],
                dt.time(10, 30),
                "KAIGO",
                "3",
                receivers,
                f"KAIGO_NENKIN_{y}{m:02d}.csv",
                operator(days_m[0]),
            )
        )
        mid = days_m[len(days_m) // 2]
        n35 = int(filings.filter(pl.col("type") == "35").height) // max(1, len(months)) + 1
        recs.append(
            (mid, dt.time(14, 0), "KOSODATE", "3", n35, f"SANZEN_{y}{m:02d}.csv", operator(mid))
        )
        if m % 2 == 0:
            recs.append(
                (
                    days_m[-1],
                    dt.time(15, 30),
                    "KUSEI",
                    "3",
                    int(r.integers(3, 40)),
                    "",
                    operator(days_m[-1]),
                )
            )
    recs.sort(key=lambda x: (x[0], x[1]))
    rows = []
    seqs: dict = {}
    for d, tm, rc, meth, n, fname, op in recs:
        seqs[d] = seqs.get(d, 0) + 1
        ts = dt.datetime.combine(d, tm) + dt.timedelta(seconds=int(r.integers(0, 900)))
        rows.append(
            {
                "record_id": f"TK{d:%Y%m%d}{seqs[d]:02d}",
                "sent_at": ts.strftime("%Y-%m-%d %H:%M:%S"),
                "recipient_code": rc,
                "method": meth,
                "record_count": str(n),
                "legal_basis": vocab.LEGAL_BASES[rc],
                "file_name": fname,
                "operator_staff_id": op,
                "_deliver": d,
            }
        )
    teikyo = pl.DataFrame(rows)
    return teikyo, batches
