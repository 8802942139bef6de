"""Office-practice behaviours that a profile (profiles.py) switches on: each is a function of the
day's desk state that returns log lines, or a plan drawn once for the whole city.

- worklist: 未納者・勧奨 lists worked daily by every ward office
- supervisory: role 2/3 members re-open colleagues' recent cases under 処理事由 99
- contractor_daily: 委託 maintenance list operations, daytime and evening
- weekend_open_days / weekend offices: 休日開庁 (the counter work itself is access._consult)
- ouen_plan: 応援 between ward offices (applied to the desk state with DayState.second)
- overtime_starts: counter sessions of overtime offices moved after 17:15
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from .profiles import Profile
from .rng import stream
from .staff import OFFICE_WARD, Staff

if TYPE_CHECKING:
    from .access import DayState, Lines

WARD_OFFICES = tuple(d for d, w in OFFICE_WARD.items() if w >= 0)


def first_insured_by_ward(
    shikaku: pl.DataFrame, resident_pools: list[tuple[np.ndarray, np.ndarray]]
) -> list[np.ndarray]:
    """Per ward (0..9), the residents holding an open 第1号 period (the work lists' persons)."""
    open1 = shikaku.filter(
        (pl.col("shubetsu").cast(pl.String) == "1") & pl.col("soshitsu_date").is_null()
    )["pidx"].to_numpy()
    out = []
    for w in range(10):
        a, p = resident_pools[w]
        m = a[np.isin(a, open1)]
        out.append(m if len(m) else p)
    return out


def worklist(profile: Profile, ds: DayState, pools: list[np.ndarray], rng) -> Lines:
    """Every ward office works its lists: a list search (03, no subject, hit_count = list size)
    then single views (01) of the ward's 第1号 persons, one after the other."""
    from .access import C_SEARCH, Lines

    lo, hi = profile.worklist_lists
    vlo, vhi = profile.worklist_views
    shoris = np.array(profile.worklist_shori, dtype=object)
    parts = []
    for office in WARD_OFFICES:
        members = ds.pool([office], ("1", "2"))
        if len(members) == 0:
            continue
        per_member = rng.integers(lo, hi + 1, len(members))
        who = np.repeat(members, per_member)
        if len(who) == 0:
            who = members[rng.integers(0, len(members), 1)]
        k = len(who)
        views = rng.integers(vlo, vhi + 1, k)
        size = views + rng.integers(0, 2 * views + 1)
        start = rng.integers(9 * 3600, 15 * 3600, k)
        shori = shoris[rng.integers(0, len(shoris), k)]
        pool = pools[OFFICE_WARD[office]]
        parts.append(Lines.make(start, who, shori, "03", "NK0900", None, size, comp=C_SEARCH))
        li = np.repeat(np.arange(k), views)
        gap = rng.integers(25, 150, len(li))
        cum = np.cumsum(gap)
        first = np.cumsum(views) - views
        sec = start[li] + cum - np.repeat(cum[first], views) + gap[first][li]
        subj = pool[rng.integers(0, len(pool), len(li))]
        screen = np.where(rng.random(len(li)) < 0.7, "NK0100", "NK0120")
        parts.append(Lines.make(sec, who[li], shori[li], "01", screen, subj, comp=C_SEARCH))
    return Lines.concat(parts)


def supervisory(profile: Profile, ds: DayState, dn, filings, rng) -> Lines:
    """Role 2/3 members re-open cases their office received recently (by a colleague), 処理事由
    99: a view of the person's record and of the filing."""
    from .access import C_REVIEW, Lines

    fl_day, fl_office, fl_sidx, fl_pidx = filings
    back = dn - np.timedelta64(profile.supervisory_lookback, "D")
    recent = np.flatnonzero((fl_day < dn) & (fl_day >= back))
    checkers = ds.pool(None, ("2", "3"))
    lo, hi = profile.supervisory_cases
    parts = []
    for s in checkers:
        office = ds.dept_of[s]
        cand = recent[(fl_office[recent] == office) & (fl_sidx[recent] != s)]
        if len(cand) == 0:
            continue
        k = min(int(rng.integers(lo, hi + 1)), len(cand))
        pick = cand[rng.permutation(len(cand))[:k]]
        t = np.sort(rng.integers(int(9.5 * 3600), 17 * 3600, k))
        p = fl_pidx[pick]
        parts.append(Lines.make(t, s, "99", "01", "NK0100", p, comp=C_REVIEW))
        parts.append(
            Lines.make(t + rng.integers(20, 200, k), s, "99", "01", "NK0110", p, comp=C_REVIEW)
        )
    return Lines.concat(parts)


def contractor_daily(profile: Profile, ds: DayState, rng) -> Lines:
    """Every working 委託 account runs maintenance list operations (03, no subject), in the day
    and in the evening."""
    from .access import C_MAINT, Lines

    pool = ds.pool(["I01"], ("4",))
    lo, hi = profile.contractor_ops
    parts = []
    for s in pool:
        n = int(rng.integers(lo, hi + 1))
        evening = rng.random(n) < 0.4
        sec = np.where(
            evening,
            rng.integers(18 * 3600, 21 * 3600, n),
            rng.integers(9 * 3600, 17 * 3600, n),
        )
        parts.append(
            Lines.make(
                np.sort(sec), s, "09", "03", "MT0100", None, rng.integers(0, 60, n), comp=C_MAINT
            )
        )
    return Lines.concat(parts)


def weekend_open(profile: Profile, d: dt.date) -> bool:
    """Is d one of the profile's 休日開庁 days (the n-th Saturday, or Sunday, of its month)?"""
    if not profile.weekend_offices or d.weekday() < 5:
        return False
    if d.weekday() == 6 and not profile.weekend_sunday:
        return False
    return (d.day - 1) // 7 + 1 in profile.weekend_weeks


def overtime_starts(profile: Profile, ds: DayState, st: np.ndarray, start: np.ndarray, rng):
    """Counter sessions of the overtime offices: a share of them start after 17:15, ending by
    `overtime_until`."""
    if not profile.overtime_offices:
        return start
    ot = np.isin(ds.dept_of[st], profile.overtime_offices) & (
        rng.random(len(st)) < profile.overtime_share
    )
    late = rng.integers(int(17.25 * 3600), int((profile.overtime_until - 0.4) * 3600), len(st))
    return np.where(ot, late, start)


def ouen_plan(profile: Profile, seed: int, staff: Staff, activity: tuple[dt.date, ...]):
    """応援 assignments: {date: [(sidx, host office)]}. A ward clerk works at another ward
    office on a run of consecutive working days."""
    out: dict[dt.date, list[tuple[int, str]]] = {}
    if profile.ouen_assignments <= 0 or len(activity) < 5:
        return out
    rng = stream(seed, "practice", "ouen")
    n = max(1, round(profile.ouen_assignments * len(activity) / 20))
    wards = [o for o in WARD_OFFICES if o.startswith("K")]
    for _ in range(n):
        i0 = int(rng.integers(0, len(activity) - 2))
        length = int(rng.integers(profile.ouen_days[0], profile.ouen_days[1] + 1))
        run = activity[i0 : i0 + length]
        st = staff.on(run[0]).filter(
            pl.col("working") & (pl.col("role") == "1") & pl.col("dept").is_in(wards)
        )
        if st.height == 0:
            continue
        k = int(rng.integers(0, st.height))
        s, home = int(st["sidx"][k]), st["dept"][k]
        hosts = [o for o in wards if o != home]
        host = hosts[int(rng.integers(0, len(hosts)))]
        for d in run:
            out.setdefault(d, []).append((s, host))
    return out
