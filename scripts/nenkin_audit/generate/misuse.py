"""Labelled misuse episodes injected into the access logs (`--misuse`; truth in misuse.csv).

Scenario codes (one builder function each, registered in BUILDERS):
- curiosity_browsing: a clerk views many unrelated persons across the city in one sitting
- own_household: a staff member looks up their own household
- own_record: a staff member opens their own 宛名 record
- neighbour_lookup: persons living in the same block as the staff member (not the household)
- protected_record: 支援措置 (protected) records viewed without a business reason
- celebrity_lookup: a resident in the news viewed by several staff on one day, none with a reason
- off_hours_access: personal records viewed late at night, or on a weekend on which the member's
  office is closed, by a regular clerk
- bulk_search: a burst of 一覧検索 with large hit counts
- bulk_print: batch 帳票出力 with large hit counts by a clerk
- kojin_no_display: 個人番号表示 on many persons without a filing
- number_display_no_right: 個人番号表示 by an account without the right (kojin_no_kengen 0)
- slow_browsing: 1–3 unrelated persons a day on many days over 3–6 weeks (low and slow)
- repeat_subject: the same unrelated person viewed on many days over weeks (an ex-partner)
- after_transfer: accesses after a 転出 out of docs/raw-interface.md §4.1 (to_dept empty), while the
  account is still active (never after a move between two departments of docs/raw-interface.md §4.1)
- after_retirement: accesses after retirement, while the account is still active
- contractor_viewing: a contractor (委託) views personal records

Episode counts scale with the working days (`episodes_per_scenario`); the after-leaving
scenarios follow the city's leavers. Every episode's first day is its `episode_start`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from . import practice
from .access import C_MISUSE, DayState, Lines
from .calendar import Calendar, is_working_day
from .people import G_ARR, G_BIRTH, G_RES, People
from .profiles import STANDARD, Profile
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
    "own_record",
    "number_display_no_right",
    "slow_browsing",
    "repeat_subject",
)


def episodes_per_scenario(days: int) -> int:
    """Episodes of each repeatable scenario: 2, and one more per 15 working days beyond 30."""
    return max(2, days // 15)


@dataclass
class _Ep:
    """One day's lines of one episode (a slow episode has one piece per day)."""

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


class Ctx:
    """What every scenario builder draws from: the city, the staff's state by day, the random
    stream, and `add` to record an episode's lines."""

    def __init__(self, seed: int, people: People, staff: Staff, cal: Calendar, profile: Profile):
        self.rng = stream(seed, "misuse")
        self.cal = cal
        self.staff = staff
        self.profile = profile
        df = people.df
        self.group = df["group"].to_numpy()
        self.hh = df["hh"].to_numpy()
        self.block = df["block"].to_numpy()
        self.ward = df["ward_idx"].to_numpy()
        self.protected = np.flatnonzero(df["protected"].to_numpy())
        self.residents = np.flatnonzero(
            np.isin(self.group, (G_RES, G_ARR, G_BIRTH)) & (df["appear_day"].to_numpy() < 0)
        )
        self.atena_pidx = staff.staff["atena_pidx"].to_numpy()
        self.days = list(cal.activity[1:]) or list(cal.activity)
        self.pieces: list[_Ep] = []
        self.n_episodes = 0
        self._states: dict[dt.date, pl.DataFrame] = {}

    # ---------------------------------------------------------------- helpers
    def state(self, d: dt.date) -> pl.DataFrame:
        if d not in self._states:
            self._states[d] = self.staff.on(d)
        return self._states[d]

    def business(self, n: int, lo=9.5, hi=16.0, gap=(20, 120)) -> np.ndarray:
        rng = self.rng
        start = int((lo + rng.random() * (hi - lo)) * 3600)
        return start + np.cumsum(rng.integers(gap[0], gap[1], n)) - gap[0]

    def new_episode(self) -> int:
        self.n_episodes += 1
        return self.n_episodes - 1

    def add(self, scen, s, d, sec, pidx, op, shori, screen, hit=None, episode=None) -> int:
        n = len(sec)
        ep = self.new_episode() if episode is None else episode
        self.pieces.append(
            _Ep(
                ep,
                scen,
                int(s),
                d,
                np.asarray(sec, np.int64),
                np.asarray(pidx if pidx is not None else np.full(n, -1), np.int64),
                _arr(op, n),
                _arr(shori, n),
                _arr(screen, n),
                np.asarray(hit if hit is not None else np.full(n, -1), np.int64),
            )
        )
        return ep

    def working(self, d: dt.date, *, roles=("1",), depts=OFFICE_DEPTS, need=None) -> np.ndarray:
        s = self.state(d).filter(
            pl.col("working")
            & (pl.col("status") == "1")
            & pl.col("role").is_in(list(roles))
            & pl.col("dept").is_in(list(depts))
        )
        if need is not None:
            s = s.filter(need)
        return s["sidx"].to_numpy()

    def someone(self, d: dt.date, **kw) -> int | None:
        ids = self.working(d, **kw)
        return int(ids[int(self.rng.integers(0, len(ids)))]) if len(ids) else None

    def day(self) -> dt.date:
        return self.days[int(self.rng.integers(0, len(self.days)))]

    def strangers(self, n: int, s: int) -> np.ndarray:
        """n residents unrelated to member s (not the household, not the block)."""
        me = self.atena_pidx[s]
        pick = self.residents[self.rng.integers(0, len(self.residents), n * 2 + 4)]
        if me >= 0:
            ok = (self.hh[pick] != self.hh[me]) & (self.block[pick] != self.block[me])
            pick = np.concatenate([pick[ok], pick[~ok]])
        return pick[:n]

    def span(self, s: int, weeks: tuple[int, int]) -> list[dt.date]:
        """Working days of a 3–6 week run on which member s is at work."""
        rng = self.rng
        length = int(rng.integers(weeks[0] * 5, weeks[1] * 5 + 1))
        acts = self.days
        i0 = int(rng.integers(0, max(1, len(acts) - length)))
        run = acts[i0 : i0 + length]
        return [d for d in run if s in set(self.working(d, roles=("1", "2", "3")).tolist())]


def _arr(v, n: int) -> np.ndarray:
    return np.full(n, v, dtype=object) if isinstance(v, str) else np.asarray(v, dtype=object)


# -------------------------------------------------------------------- scenario builders
def curiosity_browsing(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d)
    if s is not None:
        n = int(c.rng.integers(20, 51))
        c.add("curiosity_browsing", s, d, c.business(n), c.strangers(n, s), "01", "02", "AT0100")


def own_household(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d, roles=("1", "2", "3"), need=pl.col("atena_pidx") >= 0)
    if s is not None:
        members = np.flatnonzero(c.hh == c.hh[c.atena_pidx[s]])
        others = members[members != c.atena_pidx[s]]
        members = others if len(others) else members
        n = int(c.rng.integers(2, 6))
        screen = np.where(np.arange(n) % 2 == 0, "AT0100", "NK0100")
        pidx = members[np.arange(n) % len(members)]
        c.add("own_household", s, d, c.business(n), pidx, "01", "99", screen)


def own_record(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d, roles=("1", "2", "3"), need=pl.col("atena_pidx") >= 0)
    if s is not None:
        n = int(c.rng.integers(1, 4))
        screen = np.array(["AT0100", "NK0100", "NK0120"], dtype=object)[np.arange(n) % 3]
        shori = "02" if c.rng.random() < 0.5 else "99"
        pidx = np.full(n, c.atena_pidx[s])
        c.add("own_record", s, d, c.business(n, gap=(15, 60)), pidx, "01", shori, screen)


def neighbour_lookup(c: Ctx) -> None:
    for _try in range(10):
        d = c.day()
        s = c.someone(d, roles=("1", "2", "3"), need=pl.col("atena_pidx") >= 0)
        if s is None:
            continue
        me = c.atena_pidx[s]
        nb = np.flatnonzero((c.block == c.block[me]) & (c.hh != c.hh[me]) & (c.group == G_RES))
        if len(nb) == 0:
            continue
        n = int(c.rng.integers(3, 9))
        pidx = nb[c.rng.integers(0, len(nb), n)]
        c.add("neighbour_lookup", s, d, c.business(n), pidx, "01", "02", "AT0100")
        return


def protected_record(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d, roles=("1", "2"))
    if s is not None and len(c.protected):
        n = int(c.rng.integers(1, 5))
        ops = np.where(np.arange(n) == n - 1, "04", "01") if n > 2 else np.full(n, "01")
        pidx = c.protected[c.rng.integers(0, len(c.protected), n)]
        screen = np.where(ops == "04", "RP0100", "AT0100")
        c.add("protected_record", s, d, c.business(n), pidx, ops, "03", screen)


def celebrity_lookup(c: Ctx) -> None:
    d = c.day()
    star = int(c.residents[int(c.rng.integers(0, len(c.residents)))])
    viewers = c.working(d, roles=("1", "2"))
    ep = c.new_episode()
    for s in c.rng.permutation(viewers)[: int(c.rng.integers(3, 7))]:
        n = int(c.rng.integers(1, 3))
        sec = c.business(n, 9, 17, (20, 90))
        c.add("celebrity_lookup", s, d, sec, np.full(n, star), "01", "99", "AT0100", episode=ep)


def off_hours_access(c: Ctx) -> None:
    """Late evening (after any overtime), or a weekend day on which the member's office is
    closed."""
    rng = c.rng
    d = c.day()
    if rng.random() < 0.5:
        sat = d + dt.timedelta(days=(5 - d.weekday()) % 7 or 7)
        if sat <= c.cal.end and not is_working_day(sat):
            open_ = c.profile.weekend_offices if practice.weekend_open(c.profile, sat) else ()
            depts = [o for o in OFFICE_DEPTS if o not in open_]
            st = c.state(sat).filter(
                (pl.col("status") == "1") & (pl.col("role") == "1") & pl.col("dept").is_in(depts)
            )
            ids = st["sidx"].to_numpy()
            if len(ids):
                n = int(rng.integers(5, 16))
                s2 = int(ids[int(rng.integers(0, len(ids)))])
                sec = c.business(n, 10, 15)
                c.add("off_hours_access", s2, sat, sec, c.strangers(n, s2), "01", "99", "AT0100")
                return
    s = c.someone(d)
    if s is not None:
        n = int(rng.integers(5, 16))
        lo = max(21.0, c.profile.overtime_until + 1.0) if c.profile.overtime_offices else 21.0
        sec = c.business(n, lo, min(23.2, lo + 2.2), (30, 200))
        c.add("off_hours_access", s, d, sec, c.strangers(n, s), "01", "99", "AT0100")


def bulk_search(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d)
    if s is not None:
        n = int(c.rng.integers(30, 81))
        hit = c.rng.integers(200, 5000, n)
        sec = c.business(n, gap=(5, 40))
        c.add("bulk_search", s, d, sec, None, "03", "99", "NK0900", hit)


def bulk_print(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d)
    if s is not None:
        n = int(c.rng.integers(5, 21))
        hit = c.rng.integers(500, 20000, n)
        sec = c.business(n, gap=(30, 200))
        c.add("bulk_print", s, d, sec, None, "04", "08", "RP0200", hit)


def kojin_no_display(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d, roles=("1", "2", "3"), need=pl.col("kengen") == "1")
    if s is not None:
        n = int(c.rng.integers(10, 31))
        sec = c.business(n, gap=(15, 90))
        c.add("kojin_no_display", s, d, sec, c.strangers(n, s), "05", "02", "NK0150")


def number_display_no_right(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d, roles=("1", "2"), need=pl.col("kengen") == "0")
    if s is not None:
        n = int(c.rng.integers(2, 9))
        sec = c.business(n, gap=(30, 300))
        c.add("number_display_no_right", s, d, sec, c.strangers(n, s), "05", "02", "NK0150")


def slow_browsing(c: Ctx) -> None:
    """1–3 unrelated persons a day, on most days of a 3–6 week run, in office hours."""
    rng = c.rng
    s = c.someone(c.day())
    if s is None:
        return
    run = c.span(s, (3, 6))
    days = [d for d in run if rng.random() < 0.7]
    if len(days) < 3:
        return
    ep = c.new_episode()
    for d in days:
        n = int(rng.integers(1, 4))
        sec = c.business(n, 9.5, 16.5, (40, 400))
        shori = "02" if rng.random() < 0.5 else "03"
        c.add("slow_browsing", s, d, sec, c.strangers(n, s), "01", shori, "AT0100", episode=ep)


def repeat_subject(c: Ctx) -> None:
    """The same unrelated person on many days over 3–6 weeks (an ex-partner, a relative)."""
    rng = c.rng
    s = c.someone(c.day(), roles=("1", "2", "3"))
    if s is None:
        return
    run = c.span(s, (3, 6))
    days = [d for d in run if rng.random() < 0.5]
    if len(days) < 3:
        return
    target = c.strangers(1, s)
    if len(target) == 0:
        return
    ep = c.new_episode()
    for d in days:
        n = int(rng.integers(1, 3))
        sec = c.business(n, 9, 17.2, (20, 120))
        screen = np.where(np.arange(n) == 0, "AT0100", "NK0100")
        pidx = np.full(n, target[0])
        c.add("repeat_subject", s, d, sec, pidx, "01", "03", screen, episode=ep)


def contractor_viewing(c: Ctx) -> None:
    d = c.day()
    s = c.someone(d, roles=("4",), depts=("I01",))
    if s is not None:
        n = int(c.rng.integers(5, 16))
        sec = c.business(n, 18.5, 20.5, (30, 150))
        screen = np.where(np.arange(n) % 2 == 0, "AT0100", "NK0100")
        c.add("contractor_viewing", s, d, sec, c.strangers(n, s), "01", "09", screen)


def after_leaving(c: Ctx, n_min: int) -> None:
    """Accesses between the departure (退職, or 転出 out of docs/raw-interface.md §4.1) and the suspension:
    most leavers with such a window, and at least `n_min` episodes of each kind (a leaver may
    then return on two days). Moves inside docs/raw-interface.md §4.1 are not leavers."""
    for kind, scen in (("retire", "after_retirement"), ("transfer", "after_transfer")):
        windows = []
        for row in c.staff.leavers.filter(pl.col("kind") == kind).to_dicts():
            e, susp = row["effective"], row["suspend"]
            first = e + dt.timedelta(days=1) if kind == "retire" else e
            days = [d for d in c.cal.activity if first <= d < susp]
            if days:
                windows.append((row["sidx"], days))
        chosen = [w for w in windows if c.rng.random() <= 0.7]
        k = 0
        while len(chosen) < n_min and windows:
            chosen.append(windows[k % len(windows)])
            k += 1
        for s, days in chosen:
            d = days[int(c.rng.integers(0, len(days)))]
            n = int(c.rng.integers(5, 16))
            c.add(scen, s, d, c.business(n), c.strangers(n, s), "01", "02", "AT0100")


#: repeatable scenarios, drawn `episodes_per_scenario` times each, in this order
BUILDERS: dict[str, Callable[[Ctx], None]] = {
    "curiosity_browsing": curiosity_browsing,
    "own_household": own_household,
    "neighbour_lookup": neighbour_lookup,
    "protected_record": protected_record,
    "celebrity_lookup": celebrity_lookup,
    "off_hours_access": off_hours_access,
    "bulk_search": bulk_search,
    "bulk_print": bulk_print,
    "kojin_no_display": kojin_no_display,
    "contractor_viewing": contractor_viewing,
    "own_record": own_record,
    "number_display_no_right": number_display_no_right,
    "slow_browsing": slow_browsing,
    "repeat_subject": repeat_subject,
}


def plan(
    seed: int,
    people: People,
    staff: Staff,
    cal: Calendar,
    progress=None,
    *,
    profile: Profile = STANDARD,
) -> Plan:
    c = Ctx(seed, people, staff, cal, profile)
    n_ep = episodes_per_scenario(cal.days)
    for _ in range(n_ep):
        for build in BUILDERS.values():
            build(c)
    after_leaving(c, n_ep)

    by_day: dict[dt.date, list[_Ep]] = {}
    for e in c.pieces:
        by_day.setdefault(e.day, []).append(e)
    pieces = pl.DataFrame(
        {
            "episode": [e.episode for e in c.pieces],
            "scenario": [e.scenario for e in c.pieces],
            "sidx": [e.sidx for e in c.pieces],
            "day": [e.day for e in c.pieces],
            "lines": [len(e.sec) for e in c.pieces],
        },
        schema={
            "episode": pl.Int64,
            "scenario": pl.String,
            "sidx": pl.Int64,
            "day": pl.Date,
            "lines": pl.Int64,
        },
    )
    episodes = (
        pieces.group_by("episode")
        .agg(
            pl.col("scenario").first(),
            pl.col("sidx").first(),
            pl.col("day").min().alias("start"),
            pl.col("day").max().alias("end"),
            pl.col("lines").sum(),
        )
        .sort("episode")
        .with_columns(
            episode_id=pl.format("E{}", (pl.col("episode") + 1).cast(pl.String).str.zfill(4))
        )
    )
    if progress:
        progress(
            f"generate: {episodes.height} misuse episodes ({int(episodes['lines'].sum())} lines)"
        )
    return Plan(episodes=episodes, by_day=by_day)
