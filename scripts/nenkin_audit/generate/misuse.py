"""Labelled misuse episodes injected into the access logs (`--misuse`; truth in misuse.csv).

Scenario codes:
- curiosity_browsing: a clerk views many unrelated persons across the city in one sitting
- own_household: a staff member looks up their own household
- neighbour_lookup: persons living in the same block as the staff member (not the household)
- protected_record: 支援措置 (protected) records viewed without a business reason
- celebrity_lookup: a resident in the news viewed by several staff on one day, none with a reason
- off_hours_access: personal records viewed late at night or on a weekend by a regular clerk
- bulk_search: a burst of 一覧検索 with large hit counts
- bulk_print: batch 帳票出力 with large hit counts by a clerk
- kojin_no_display: 個人番号表示 on many persons without a filing
- after_transfer: accesses after a transfer out, while the account is still active
- after_retirement: accesses after retirement, while the account is still active
- contractor_viewing: a contractor (委託) views personal records
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .access import C_MISUSE, DayState, Lines
from .calendar import Calendar, is_working_day
from .people import G_ARR, G_BIRTH, G_RES, People
from .rng import stream
from .staff import OFFICE_DEPTS, Staff

SCENARIOS = (
    "curiosity_browsing",
    "own_household",
    "neighbour_lookup",
    "protected_record",
    "celebrity_lookup",
    "off_hours_access",
    "bulk_search",
    "bulk_print",
    "kojin_no_display",
    "after_transfer",
    "after_retirement",
    "contractor_viewing",
)


@dataclass
class _Ep:
    episode: int
    scenario: str
    sidx: int
    day: dt.date
    sec: np.ndarray
    pidx: np.ndarray
    op: np.ndarray
    shori: np.ndarray
    screen: np.ndarray
    hit: np.ndarray


@dataclass
class Plan:
    episodes: pl.DataFrame
    by_day: dict[dt.date, list[_Ep]] = field(default_factory=dict)

    def lines_for(self, d: dt.date, ds: DayState) -> Lines:
        eps = self.by_day.get(d, [])
        return Lines.concat(
            [
                Lines.make(
                    e.sec,
                    np.full(len(e.sec), e.sidx),
                    e.shori,
                    e.op,
                    e.screen,
                    e.pidx,
                    e.hit,
                    comp=C_MISUSE,
                    episode=np.full(len(e.sec), e.episode),
                )
                for e in eps
            ]
        )


def plan(seed: int, people: People, staff: Staff, cal: Calendar, progress=None) -> Plan:
    rng = stream(seed, "misuse")
    df = people.df
    group = df["group"].to_numpy()
    hh = df["hh"].to_numpy()
    block = df["block"].to_numpy()
    protected = np.flatnonzero(df["protected"].to_numpy())
    residents = np.flatnonzero(
        np.isin(group, (G_RES, G_ARR, G_BIRTH)) & (df["appear_day"].to_numpy() < 0)
    )
    st = staff.staff
    atena_pidx = st["atena_pidx"].to_numpy()
    days = list(cal.activity[1:]) or list(cal.activity)
    n_ep = max(2, cal.days // 25)
    eps: list[_Ep] = []

    def state(d: dt.date) -> pl.DataFrame:
        return staff.on(d)

    def business(n: int, lo=9.5, hi=16.0, gap=(20, 120)) -> np.ndarray:
        start = int((lo + rng.random() * (hi - lo)) * 3600)
        return start + np.cumsum(rng.integers(gap[0], gap[1], n)) - gap[0]

    def add(scen, s, d, sec, pidx, op, shori, screen, hit=None):
        n = len(sec)
        eps.append(
            _Ep(
                len(eps),
                scen,
                int(s),
                d,
                np.asarray(sec, np.int64),
                np.asarray(pidx if pidx is not None else np.full(n, -1), np.int64),
                np.full(n, op, dtype=object)
                if isinstance(op, str)
                else np.asarray(op, dtype=object),
                np.full(n, shori, dtype=object),
                np.full(n, screen, dtype=object)
                if isinstance(screen, str)
                else np.asarray(screen, dtype=object),
                np.asarray(hit if hit is not None else np.full(n, -1), np.int64),
            )
        )

    def someone(d: dt.date, *, roles=("1",), depts=OFFICE_DEPTS, need=None) -> int | None:
        s = state(d).filter(
            pl.col("working")
            & (pl.col("status") == "1")
            & pl.col("role").is_in(list(roles))
            & pl.col("dept").is_in(list(depts))
        )
        if need is not None:
            s = s.filter(need)
        ids = s["sidx"].to_numpy()
        return int(ids[int(rng.integers(0, len(ids)))]) if len(ids) else None

    def day() -> dt.date:
        return days[int(rng.integers(0, len(days)))]

    for _ in range(n_ep):
        # curiosity browsing
        d = day()
        s = someone(d)
        if s is not None:
            n = int(rng.integers(20, 51))
            add(
                "curiosity_browsing",
                s,
                d,
                business(n),
                residents[rng.integers(0, len(residents), n)],
                "01",
                "02",
                "AT0100",
            )
        # own household
        d = day()
        s = someone(d, roles=("1", "2", "3"), need=pl.col("atena_pidx") >= 0)
        if s is not None:
            members = np.flatnonzero(hh == hh[atena_pidx[s]])
            n = int(rng.integers(2, 6))
            add(
                "own_household",
                s,
                d,
                business(n),
                members[np.arange(n) % len(members)],
                "01",
                "99",
                np.where(np.arange(n) % 2 == 0, "AT0100", "NK0100"),
            )
        # neighbours
        for _try in range(10):
            d = day()
            s = someone(d, roles=("1", "2", "3"), need=pl.col("atena_pidx") >= 0)
            if s is None:
                continue
            me = atena_pidx[s]
            nb = np.flatnonzero((block == block[me]) & (hh != hh[me]) & np.isin(group, (G_RES,)))
            if len(nb) == 0:
                continue
            n = int(rng.integers(3, 9))
            add(
                "neighbour_lookup",
                s,
                d,
                business(n),
                nb[rng.integers(0, len(nb), n)],
                "01",
                "02",
                "AT0100",
            )
            break
        # protected records
        d = day()
        s = someone(d, roles=("1", "2"))
        if s is not None and len(protected):
            n = int(rng.integers(1, 5))
            ops = np.where(np.arange(n) == n - 1, "04", "01") if n > 2 else np.full(n, "01")
            add(
                "protected_record",
                s,
                d,
                business(n),
                protected[rng.integers(0, len(protected), n)],
                ops,
                "03",
                np.where(ops == "04", "RP0100", "AT0100"),
            )
        # a resident in the news, looked up by several staff the same day
        d = day()
        star = int(residents[int(rng.integers(0, len(residents)))])
        viewers = (
            state(d)
            .filter(
                pl.col("working")
                & pl.col("role").is_in(["1", "2"])
                & pl.col("dept").is_in(list(OFFICE_DEPTS))
            )["sidx"]
            .to_numpy()
        )
        for s in rng.permutation(viewers)[: int(rng.integers(3, 7))]:
            n = int(rng.integers(1, 3))
            add(
                "celebrity_lookup",
                s,
                d,
                business(n, 9, 17, (20, 90)),
                np.full(n, star),
                "01",
                "99",
                "AT0100",
            )
        # off hours: late evening, or a weekend day
        d = day()
        placed = False
        if rng.random() < 0.5:
            sat = d + dt.timedelta(days=(5 - d.weekday()) % 7 or 7)
            if sat <= cal.end and not is_working_day(sat):
                ids = (
                    state(sat)
                    .filter(
                        (pl.col("status") == "1")
                        & (pl.col("role") == "1")
                        & pl.col("dept").is_in(list(OFFICE_DEPTS))
                    )["sidx"]
                    .to_numpy()
                )
                if len(ids):
                    n = int(rng.integers(5, 16))
                    s2 = int(ids[int(rng.integers(0, len(ids)))])
                    add(
                        "off_hours_access",
                        s2,
                        sat,
                        business(n, 10, 15),
                        residents[rng.integers(0, len(residents), n)],
                        "01",
                        "99",
                        "AT0100",
                    )
                    placed = True
        if not placed:
            s = someone(d)
            if s is not None:
                n = int(rng.integers(5, 16))
                add(
                    "off_hours_access",
                    s,
                    d,
                    business(n, 21, 23.2, (30, 200)),
                    residents[rng.integers(0, len(residents), n)],
                    "01",
                    "99",
                    "AT0100",
                )
        # bulk search
        d = day()
        s = someone(d)
        if s is not None:
            n = int(rng.integers(30, 81))
            add(
                "bulk_search",
                s,
                d,
                business(n, gap=(5, 40)),
                None,
                "03",
                "99",
                "NK0900",
                rng.integers(200, 5000, n),
            )
        # bulk print
        d = day()
        s = someone(d)
        if s is not None:
            n = int(rng.integers(5, 21))
            add(
                "bulk_print",
                s,
                d,
                business(n, gap=(30, 200)),
                None,
                "04",
                "08",
                "RP0200",
                rng.integers(500, 20000, n),
            )
        # 個人番号表示 without need
        d = day()
        s = someone(d, roles=("1", "2", "3"), need=pl.col("kengen") == "1")
        if s is not None:
            n = int(rng.integers(10, 31))
            add(
                "kojin_no_display",
                s,
                d,
                business(n, gap=(15, 90)),
                residents[rng.integers(0, len(residents), n)],
                "05",
                "02",
                "NK0150",
            )
        # contractor viewing personal records
        d = day()
        s = someone(d, roles=("4",), depts=("I01",))
        if s is not None:
            n = int(rng.integers(5, 16))
            add(
                "contractor_viewing",
                s,
                d,
                business(n, 18.5, 20.5, (30, 150)),
                residents[rng.integers(0, len(residents), n)],
                np.full(n, "01"),
                "09",
                np.where(np.arange(n) % 2 == 0, "AT0100", "NK0100"),
            )

    # after leaving, while the account is still active (one episode per such person)
    for row in staff.leavers.to_dicts():
        e, susp = row["effective"], row["suspend"]
        scen = "after_retirement" if row["kind"] == "retire" else "after_transfer"
        first = e + dt.timedelta(days=1) if row["kind"] == "retire" else e
        cands = [d for d in cal.activity if first <= d < susp]
        if not cands or rng.random() > 0.7:
            continue
        d = cands[int(rng.integers(0, len(cands)))]
        n = int(rng.integers(5, 16))
        add(
            scen,
            row["sidx"],
            d,
            business(n),
            residents[rng.integers(0, len(residents), n)],
            "01",
            "02",
            "AT0100",
        )

    by_day: dict[dt.date, list[_Ep]] = {}
    for e in eps:
        by_day.setdefault(e.day, []).append(e)
    episodes = pl.DataFrame(
        {
            "episode": [e.episode for e in eps],
            "episode_id": [f"E{e.episode + 1:04d}" for e in eps],
            "scenario": [e.scenario for e in eps],
            "sidx": [e.sidx for e in eps],
            "day": [e.day for e in eps],
            "lines": [len(e.sec) for e in eps],
        },
        schema={
            "episode": pl.Int64,
            "episode_id": pl.String,
            "scenario": pl.String,
            "sidx": pl.Int64,
            "day": pl.Date,
            "lines": pl.Int64,
        },
    )
    if progress:
        progress(f"generate: {len(eps)} misuse episodes ({int(episodes['lines'].sum())} lines)")
    return Plan(episodes=episodes, by_day=by_day)
