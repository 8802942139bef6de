"""端末操作ログ: one file per day of lines that follow the business process.

Every day is generated on its own (numpy, vectorised) and written before the next one, so the
log of a city-scale year never sits in memory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..project import code_set
from . import practice
from .calendar import Calendar
from .people import EV_TENKYO, G_ERR, G_RES, People
from .profiles import STANDARD, Profile
from .rng import stream
from .staff import DEPTS, OFFICE_DEPTS, OFFICE_WARD, Staff

# component order breaks ties between lines of the same second
(
    C_FILING,
    C_REVIEW,
    C_ENTRY,
    C_BATCHPRINT,
    C_JUKI,
    C_CONSULT,
    C_SEARCH,
    C_NIGHT,
    C_MAINT,
    C_MISUSE,
) = range(10)


SHORI = code_set("code_shori_jiyu")
OPS = code_set("code_operations")
SCREENS = (
    "AT0100",
    "AT0200",
    "BT0100",
    "MT0100",
    "NK0100",
    "NK0110",
    "NK0120",
    "NK0130",
    "NK0150",
    "NK0200",
    "NK0210",
    "NK0300",
    "NK0600",
    "NK0900",
    "RP0100",
    "RP0200",
    "RP0500",
)
_VOCABS = {"shori": SHORI, "op": OPS, "screen": SCREENS}
_SORTED = {k: np.array(sorted(v)) for k, v in _VOCABS.items()}
_ORDER = {k: np.array([v.index(x) for x in sorted(v)]) for k, v in _VOCABS.items()}


_DEPT_WARD = np.array([OFFICE_WARD.get(d, -1) for d in DEPTS])


def _codes(kind: str, values, n: int) -> np.ndarray:
    """Small-integer codes of code strings (scalars or arrays) in one of the vocabularies."""
    if isinstance(values, str):
        return np.full(n, _VOCABS[kind].index(values), dtype=np.int16)
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int16)
    pos = np.searchsorted(_SORTED[kind], arr.astype(str))
    return _ORDER[kind][pos].astype(np.int16)


@dataclass
class Lines:
    """A batch of log lines under construction (parallel arrays)."""

    sec: np.ndarray  # seconds since midnight
    sidx: np.ndarray
    shori: np.ndarray
    op: np.ndarray
    screen: np.ndarray
    pidx: np.ndarray  # -1: no subject
    hit: np.ndarray  # -1: empty
    comp: np.ndarray
    episode: np.ndarray  # -1: not misuse

    @staticmethod
    def make(sec, sidx, shori, op, screen, pidx=None, hit=None, comp=0, episode=None) -> Lines:
        n = len(sec)

        def ints(v):
            if v is None:
                return np.full(n, -1, dtype=np.int64)
            return np.broadcast_to(np.asarray(v, dtype=np.int64), (n,)).copy()

        return Lines(
            sec=np.asarray(sec, dtype=np.int64),
            sidx=ints(sidx),
            shori=_codes("shori", shori, n),
            op=_codes("op", op, n),
            screen=_codes("screen", screen, n),
            pidx=ints(pidx),
            hit=ints(hit),
            comp=np.full(n, comp, dtype=np.int64),
            episode=ints(episode),
        )

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        parts = [p for p in parts if len(p.sec)]
        if not parts:
            return Lines.make(np.zeros(0), np.zeros(0), "01", "01", "AT0100")
        return Lines(
            *[np.concatenate([getattr(p, f) for p in parts]) for f in Lines.__dataclass_fields__]
        )


class DayState:
    """Who is at which desk on one day: accounts, depts, terminals."""

    def __init__(self, staff: Staff, d: dt.date, rng: np.random.Generator):
        st = staff.on(d)
        terms = staff.terminals_on(d)
        self.sidx = st["sidx"].to_numpy()
        self.dept = st["dept"].to_numpy()
        self.role = st["role"].to_numpy()
        self.kengen = st["kengen"].to_numpy()
        self.status = st["status"].to_numpy()
        self.working = st["working"].to_numpy() & (self.status == "1")
        n_all = int(staff.staff.height)
        self.dept_of = np.full(n_all, "", dtype=object)
        self.dept_of[self.sidx] = self.dept
        self.dept_code = np.zeros(n_all, dtype=np.int32)
        self.dept_code[self.sidx] = [DEPTS.index(x) for x in self.dept]
        self.term_code = np.zeros(n_all, dtype=np.int32)
        by_dept: dict[str, list[int]] = {}
        self.terms_by_dept = by_dept
        tindex = staff.terminal_index
        for tid, dep in zip(
            terms["terminal_id"].to_list(), terms["dept_code"].to_list(), strict=True
        ):
            by_dept.setdefault(dep, []).append(tindex[tid])
        for dep in np.unique(self.dept):
            members = self.sidx[self.dept == dep]
            tl = by_dept.get(dep) or by_dept.get("H00") or [0]
            self.term_code[members] = np.array(tl)[np.arange(len(members)) % len(tl)]
        self.kengen_of = np.zeros(n_all, bool)
        self.kengen_of[self.sidx] = self.kengen == "1"
        self.role_of = np.full(n_all, "", dtype=object)
        self.role_of[self.sidx] = self.role
        self.rng = rng

    def second(self, sidx: np.ndarray, host: str) -> None:
        """応援: the members `sidx` work at office `host` today (its terminals, its department on
        the log, its pool of work); the staff snapshot keeps their own department."""
        rows = np.flatnonzero(np.isin(self.sidx, sidx) & self.working)
        if len(rows) == 0:
            return
        self.dept[rows] = host
        members = self.sidx[rows]
        self.dept_of[members] = host
        self.dept_code[members] = DEPTS.index(host)
        tl = self.terms_by_dept.get(host) or [int(self.term_code[members[0]])]
        self.term_code[members] = np.array(tl)[np.arange(len(members)) % len(tl)]

    def pool(self, depts=None, roles=("1", "2", "3")) -> np.ndarray:
        m = self.working & np.isin(self.role, roles)
        if depts is not None:
            m &= np.isin(self.dept, depts)
        return self.sidx[m]

    def choose(self, offices: np.ndarray, roles=("1", "2", "3"), prefer=None) -> np.ndarray:
        """A working member of each office (fallback: H00, then anyone working)."""
        out = np.full(len(offices), -1)
        anyone = self.pool(None, ("1", "2", "3"))
        for o in np.unique(offices):
            idx = np.flatnonzero(offices == o)
            cand = self.pool([o], prefer or roles)
            if len(cand) == 0:
                cand = self.pool([o], roles)
            if len(cand) == 0:
                cand = self.pool(["H00"], roles)
            if len(cand) == 0:
                cand = anyone
            if len(cand) == 0:
                continue
            out[idx] = cand[self.rng.integers(0, len(cand), len(idx))]
        return out


def _secs(ts: pl.Series) -> np.ndarray:
    return (ts.dt.hour().cast(pl.Int64) * 3600 + ts.dt.minute() * 60 + ts.dt.second()).to_numpy()


class AccessLog:
    def __init__(
        self,
        seed: int,
        persons: int,
        people: People,
        pension_pidx: np.ndarray,
        staff: Staff,
        filings,
        cal: Calendar,
        misuse_plan=None,
        *,
        profile: Profile = STANDARD,
        shikaku: pl.DataFrame | None = None,
        target: int | None = None,
    ):
        self.seed = seed
        self.profile = profile
        self.people = people
        self.staff = staff
        self.f = filings
        self.cal = cal
        self.misuse = misuse_plan
        df = people.df
        self.target = target or max(60, int(persons * 0.07))
        self.atena = df["atena_no"]
        self.shimei = df["shimei"]
        self.sex = df["sex"]
        self.birth_iso = df["birth"].dt.strftime("%Y-%m-%d")
        self.addr = df["address"].clone()
        self.staff_ids = staff.staff["staff_id"]
        self.dept_v = pl.Series(DEPTS, dtype=pl.String)
        self.term_v = staff.terminals["terminal_id"]
        self.shori_v = pl.Series(SHORI, dtype=pl.String)
        self.op_v = pl.Series(OPS, dtype=pl.String)
        self.screen_v = pl.Series(SCREENS, dtype=pl.String)
        group = df["group"].to_numpy()
        ward = df["ward_idx"].to_numpy()
        self.ward = ward
        res = np.flatnonzero(group == G_RES)
        pen = np.zeros(len(group), bool)
        pen[pension_pidx] = True
        self.pools = []
        for w in range(10):
            a = res[ward[res] == w]
            p = a[pen[a]]
            self.pools.append((a if len(a) else res, p if len(p) else (a if len(a) else res)))
        city_pen = res[pen[res]]
        self.pools.append((res, city_pen if len(city_pen) else res))
        self.first_insured = (
            practice.first_insured_by_ward(shikaku, self.pools)
            if profile.worklist and shikaku is not None
            else []
        )
        self.ouen = practice.ouen_plan(profile, seed, staff, cal.activity)
        # events of 住基 per activity day
        ev_day = df["event_day"].to_numpy()
        appear = df["appear_day"].to_numpy()
        self.juki = [
            (np.flatnonzero(ev_day == i), np.flatnonzero(appear == i)) for i in range(cal.days)
        ]
        self.ev_sec = _secs(df["event_time"].fill_null(pl.datetime(2026, 1, 1, 12)))
        self.cr_sec = _secs(df["created_at"])
        self.tenkyo = df["event"].to_numpy() == EV_TENKYO
        self.new_addr = df["new_address"]
        self.err = group == G_ERR
        # filings per day, reviews
        fl = filings.filings
        self.fl_day = fl["uketsuke_date"].to_numpy()
        self.fl_sec = _secs(fl["uk_time"])
        self.fl_sidx = fl["sidx"].to_numpy()
        self.fl_pidx = fl["pidx"].to_numpy()
        self.fl_type = fl["type"].to_numpy()
        self.fl_post = fl["post"].to_numpy()
        self.fl_office = fl["office"].to_numpy()
        rr = stream(seed, "access", "reviews")
        work = list(cal.work)
        t = fl["t"].to_numpy()
        rv = np.minimum(t + rr.integers(1, 5, len(t)), len(work) - 1)
        self.rv_day = np.array(work, dtype="datetime64[D]")[rv]
        self.rv_day = np.where(
            fl["life"].to_numpy() == "deleted", np.datetime64("NaT"), self.rv_day
        )
        en = filings.entries
        self.en_day = en["day"].to_numpy()
        self.en_sec = _secs(en["time"])
        self.en_pidx = en["pidx"].to_numpy()
        bt = filings.batches
        self.bt_day = bt["batch"].to_numpy()
        self.bt_office = bt["office"].to_numpy()
        self.bt_n = bt["n"].to_numpy()

    # -------------------------------------------------------------- one day
    def day(self, d: dt.date, i: int | None) -> Lines:
        """Lines of calendar day d (i = activity index for a working day, else None)."""
        rng = stream(self.seed, "access", d.isoformat())
        ds = DayState(self.staff, d, rng)
        for sidx, host in self.ouen.get(d, []):
            ds.second(np.array([sidx]), host)
        self._ds = ds
        parts = self._working_day(ds, d, i, rng) if i is not None else self._closed_day(ds, d, rng)
        if self.misuse is not None:
            parts.append(self.misuse.lines_for(d, ds))
        return Lines.concat(parts)

    def _working_day(self, ds: DayState, d: dt.date, i: int, rng) -> list[Lines]:
        """A working day: the business events' lines, the profile's practices, and counter
        consultations filling the day up to the city's volume."""
        prof = self.profile
        dn = np.datetime64(d, "D")
        # 住基 changes of the day: new addresses take effect
        ev, arr = self.juki[i]
        moved = ev[self.tenkyo[ev]]
        if len(moved):
            self.addr = self.addr.scatter(moved, self.new_addr.gather(moved))
        parts = [
            self._filings(ds, dn, rng),
            self._reviews(ds, dn, rng),
            self._entries(ds, dn, rng),
            self._batch_prints(ds, dn, rng),
            self._juki(ds, ev, arr, rng),
            self._search(ds, rng),
            self._night(ds, rng, weekend=False),
        ]
        if rng.random() < 0.3:
            parts.append(self._maintenance(ds, rng, 18 * 3600, 21 * 3600))
        # the profile's practices draw from their own streams (the standard city is unchanged)
        prng = stream(self.seed, "practice", d.isoformat())
        if prof.worklist:
            parts.append(practice.worklist(prof, ds, self.first_insured, prng))
        if prof.supervisory:
            fl = (self.fl_day, self.fl_office, self.fl_sidx, self.fl_pidx)
            parts.append(practice.supervisory(prof, ds, dn, fl, prng))
        if prof.contractor_daily:
            parts.append(practice.contractor_daily(prof, ds, prng))
        rest = self.target - sum(len(p.sec) for p in parts)
        parts.append(self._consult(ds, max(0, rest), rng))
        return parts

    def _closed_day(self, ds: DayState, d: dt.date, rng) -> list[Lines]:
        """A weekend or holiday: night batches, monthly maintenance, 休日開庁 counters."""
        prof = self.profile
        parts = []
        if d.weekday() == 5:
            parts.append(self._night(ds, rng, weekend=True))
            if d.day <= 7:
                parts.append(self._maintenance(ds, rng, 9 * 3600, 15 * 3600))
        else:
            parts.append(self._night(ds, rng, weekend=True, few=True))
        prng = stream(self.seed, "practice", d.isoformat())
        if practice.weekend_open(prof, d):
            pool = ds.pool(list(prof.weekend_offices))
            share = len(pool) / max(1, len(ds.pool(list(OFFICE_DEPTS))))
            n = int(self.target * share * prof.weekend_volume)
            parts.append(self._consult(ds, n, prng, pool=pool, window=(9.0, 7.5), overtime=False))
        if prof.contractor_daily:
            parts.append(practice.contractor_daily(prof, ds, prng))
        return parts

    def _filings(self, ds: DayState, dn, rng) -> Lines:
        idx = np.flatnonzero(self.fl_day == dn)
        if len(idx) == 0:
            return Lines.concat([])
        s = self.fl_sec[idx]
        st = self.fl_sidx[idx]
        p = self.fl_pidx[idx]
        shori = np.where(np.isin(self.fl_type[idx], ("41", "42", "43")), "05", "01")
        disp = self.fl_post[idx] & ds.kengen_of[st] & (rng.random(len(idx)) < 0.5)
        parts = [
            Lines.make(
                s - rng.integers(90, 240, len(idx)), st, shori, "01", "AT0100", p, comp=C_FILING
            ),
            Lines.make(
                s - rng.integers(20, 80, len(idx)), st, shori, "01", "NK0100", p, comp=C_FILING
            ),
            Lines.make(s, st, shori, "02", "NK0200", p, comp=C_FILING),
            Lines.make(s[disp] - 10, st[disp], shori[disp], "05", "NK0150", p[disp], comp=C_FILING),
        ]
        return Lines.concat(parts)

    def _reviews(self, ds: DayState, dn, rng) -> Lines:
        idx = np.flatnonzero(self.rv_day == dn)
        if len(idx) == 0:
            return Lines.concat([])
        st = ds.choose(self.fl_office[idx], prefer=("2",))
        ok = st >= 0
        idx, st = idx[ok], st[ok]
        n = len(idx)
        s = rng.integers(9 * 3600, 17 * 3600, n)
        ty = self.fl_type[idx]
        shori = np.select(
            [np.isin(ty, ("31", "32", "33", "34", "35")), np.isin(ty, ("41", "42", "43"))],
            ["04", "05"],
            "01",
        )
        p = self.fl_pidx[idx]
        pr = rng.random(n) < 0.2
        return Lines.concat(
            [
                Lines.make(s, st, shori, "01", "NK0300", p, comp=C_REVIEW),
                Lines.make(
                    s + rng.integers(30, 300, n), st, shori, "01", "NK0110", p, comp=C_REVIEW
                ),
                Lines.make(s[pr] + 400, st[pr], shori[pr], "04", "RP0100", p[pr], comp=C_REVIEW),
            ]
        )

    def _entries(self, ds: DayState, dn, rng) -> Lines:
        idx = np.flatnonzero(self.en_day == dn)
        if len(idx) == 0:
            return Lines.concat([])
        st = ds.choose(np.full(len(idx), "H00"), roles=("1", "2"))
        s = self.en_sec[idx]
        p = self.en_pidx[idx]
        return Lines.concat(
            [
                Lines.make(
                    s - rng.integers(20, 90, len(idx)), st, "06", "01", "NK0100", p, comp=C_ENTRY
                ),
                Lines.make(s, st, "06", "02", "NK0600", p, comp=C_ENTRY),
            ]
        )

    def _batch_prints(self, ds: DayState, dn, rng) -> Lines:
        idx = np.flatnonzero(self.bt_day == dn)
        if len(idx) == 0:
            return Lines.concat([])
        st = ds.choose(self.bt_office[idx], prefer=("2", "3"))
        s = rng.integers(int(16.5 * 3600), int(17.2 * 3600), len(idx))
        return Lines.make(s, st, "08", "04", "RP0500", None, self.bt_n[idx], comp=C_BATCHPRINT)

    def _juki(self, ds: DayState, ev: np.ndarray, arr: np.ndarray, rng) -> Lines:
        who = np.concatenate([ev, arr])
        if len(who) == 0:
            return Lines.concat([])
        sec = np.concatenate([self.ev_sec[ev], self.cr_sec[arr]])
        w = self.ward[who]
        office = np.where(
            w >= 0,
            np.array([f"K{k + 1:02d}" for k in range(10)] + ["H00"], dtype=object)[
                np.where(w >= 0, w, 10)
            ],
            "H00",
        )
        st = ds.choose(office)
        return Lines.concat(
            [
                Lines.make(
                    sec - rng.integers(30, 200, len(who)),
                    st,
                    "07",
                    "01",
                    "AT0100",
                    who,
                    comp=C_JUKI,
                ),
                Lines.make(sec, st, "07", "02", "AT0200", who, comp=C_JUKI),
            ]
        )

    def _consult(
        self, ds: DayState, n_lines: int, rng, *, pool=None, window=(8.5, 8.8), overtime=True
    ) -> Lines:
        """Counter and telephone consultations: short sessions on one person each, mostly of
        the office's ward (`window`: first hour and length in hours of the opening time)."""
        if pool is None:
            pool = ds.pool(list(OFFICE_DEPTS))
        if n_lines <= 0 or len(pool) == 0:
            return Lines.concat([])
        mean_len = 4.0
        n_s = max(1, int(n_lines / mean_len))
        w = np.select([ds.role_of[pool] == "1", ds.role_of[pool] == "2"], [1.0, 0.8], 0.3)
        cdf = np.cumsum(w) / w.sum()
        st = pool[np.minimum(np.searchsorted(cdf, rng.random(n_s), side="right"), len(pool) - 1)]
        ward = _DEPT_WARD[ds.dept_code[st]]
        ward = np.where(ward < 0, 10, ward)
        # staff at a ward office mostly sees that ward's residents, some from the whole city
        ward = np.where(rng.random(n_s) < 0.08, 10, ward)
        use_pen = rng.random(n_s) < 0.75
        subj = np.empty(n_s, dtype=np.int64)
        u = rng.random(n_s)
        for k in range(11):
            m = ward == k
            if not m.any():
                continue
            a, p = self.pools[k]
            pick_a = a[(u[m] * len(a)).astype(np.int64)]
            pick_p = p[(u[m] * len(p)).astype(np.int64)]
            subj[m] = np.where(use_pen[m], pick_p, pick_a)
        length = np.minimum(1 + rng.poisson(mean_len - 1, n_s), 14)
        start = (window[0] * 3600 + rng.beta(2.0, 2.0, n_s) * window[1] * 3600).astype(np.int64)
        if overtime:
            start = practice.overtime_starts(self.profile, ds, st, start, rng)
        shori = np.where(rng.random(n_s) < 0.4, "02", "03")
        # expand sessions into lines
        sess = np.repeat(np.arange(n_s), length)
        pos = np.arange(len(sess)) - np.repeat(np.cumsum(length) - length, length)
        gap = rng.integers(8, 90, len(sess))
        cum = np.cumsum(gap)
        first = np.cumsum(length) - length
        sec = start[sess] + cum - np.repeat(cum[first], length)
        screens = np.array(["AT0100", "NK0100", "NK0110", "NK0120", "NK0130"], dtype=object)
        screen = np.where(pos == 0, "AT0100", screens[rng.integers(1, 5, len(sess))])
        op = np.full(len(sess), "01", dtype=object)
        r = rng.random(len(sess))
        op = np.where((pos > 0) & (r < 0.03), "02", op)
        op = np.where((pos > 0) & (r > 0.98), "04", op)
        screen = np.where(op == "02", "NK0210", np.where(op == "04", "RP0100", screen))
        # 個人番号表示 during a consultation, by staff allowed to
        disp = (pos == 1) & ds.kengen_of[st[sess]] & (rng.random(len(sess)) < 0.04)
        op = np.where(disp, "05", op)
        screen = np.where(disp, "NK0150", screen)
        return Lines.make(sec, st[sess], shori[sess], op, screen, subj[sess], comp=C_CONSULT)

    def _search(self, ds: DayState, rng) -> Lines:
        pool = ds.pool(list(OFFICE_DEPTS))
        n = max(1, int(self.target * 0.02))
        if len(pool) == 0:
            return Lines.concat([])
        st = pool[rng.integers(0, len(pool), n)]
        s = (8.5 * 3600 + rng.random(n) * 8.8 * 3600).astype(np.int64)
        hit = np.maximum(1, rng.lognormal(2.5, 1.2, n).astype(np.int64))
        shori = np.array(["02", "03", "04", "01", "99"], dtype=object)[
            np.searchsorted([0.35, 0.7, 0.85, 0.95], rng.random(n))
        ]
        prints = rng.random(n) < 0.1
        op = np.where(prints, "04", "03")
        screen = np.where(prints, "RP0200", "NK0900")
        shori = np.where(prints, "08", shori)
        return Lines.make(s, st, shori, op, screen, None, hit, comp=C_SEARCH)

    def _night(self, ds: DayState, rng, *, weekend: bool, few: bool = False) -> Lines:
        pool = ds.pool(["J01"], ("1", "3"))
        if len(pool) == 0:
            return Lines.concat([])
        n = (
            int(rng.integers(1, 4))
            if few
            else int(rng.integers(5, 16) if weekend else rng.integers(3, 9))
        )
        st = pool[rng.integers(0, len(pool), n)]
        early = rng.random(n) < 0.5
        s = np.where(
            early,
            rng.integers(int(0.5 * 3600), int(4.5 * 3600), n),
            rng.integers(19 * 3600, int(23.5 * 3600), n),
        )
        hit = rng.integers(500, 60000, n)
        op = np.where(rng.random(n) < 0.7, "04", "03")
        return Lines.make(s, st, "08", op, "BT0100", None, hit, comp=C_NIGHT)

    def _maintenance(self, ds: DayState, rng, lo: int, hi: int) -> Lines:
        pool = ds.pool(["I01"], ("4",))
        if len(pool) == 0:
            return Lines.concat([])
        n = int(rng.integers(5, 21))
        st = np.full(n, pool[int(rng.integers(0, len(pool)))])
        s = np.sort(rng.integers(lo, hi, n))
        hit = rng.integers(0, 60, n)
        return Lines.make(s, st, "09", "03", "MT0100", None, hit, comp=C_MAINT)

    # -------------------------------------------------------------- to a frame
    def frame(self, d: dt.date, lines: Lines) -> tuple[pl.DataFrame, np.ndarray]:
        """The day's lines as the extract's columns (text), in time order with fresh log ids;
        returns the frame and, per row, the misuse episode (-1 for none)."""
        ds = self._ds
        rng = stream(self.seed, "access", "order", d.isoformat())
        sec = np.clip(lines.sec, 0, 86399)
        order = np.lexsort((rng.random(len(sec)), lines.comp, sec))
        sec = sec[order]
        sidx = lines.sidx[order]
        pidx = lines.pidx[order]
        hit = lines.hit[order]
        n = len(sec)
        base = np.datetime64(d, "ms")
        has = pl.Series(pidx >= 0)
        subj_idx = pl.select(pl.when(has).then(pl.Series(pidx))).to_series()
        hits = pl.select(
            pl.when(pl.Series(hit >= 0)).then(pl.Series(hit).cast(pl.String))
        ).to_series()
        df = pl.DataFrame(
            {
                "log_id": pl.select(
                    pl.concat_str(
                        [
                            pl.lit(f"{d:%Y%m%d}"),
                            pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(7),
                        ]
                    )
                ).to_series(),
                "accessed_at": pl.Series(base + (sec * 1000).astype("timedelta64[ms]")).dt.strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
                "staff_id": self.staff_ids.gather(sidx),
                "dept_code": self.dept_v.gather(ds.dept_code[sidx]),
                "terminal_id": self.term_v.gather(ds.term_code[sidx]),
                "shori_jiyu": self.shori_v.gather(lines.shori[order]),
                "operation": self.op_v.gather(lines.op[order]),
                "screen_id": self.screen_v.gather(lines.screen[order]),
                "atena_no": self.atena.gather(subj_idx),
                "hit_count": hits,
                "subj_shimei": self.shimei.gather(subj_idx),
                "subj_sex": self.sex.gather(subj_idx),
                "subj_birth_date": self.birth_iso.gather(subj_idx),
                "subj_address": self.addr.gather(subj_idx),
            }
        )
        return df, lines.episode[order]

    def days(self) -> Iterator[tuple[dt.date, int | None]]:
        act = {d: k for k, d in enumerate(self.cal.activity)}
        for d in self.cal.calendar[1:]:  # START .. END
            yield d, act.get(d)


def run(
    log: AccessLog, write: Callable[[dt.date, pl.DataFrame, np.ndarray], None], progress=None
) -> int:
    """Generate and hand over the log of every calendar day in turn; returns the line count."""
    total = 0
    for k, (d, i) in enumerate(log.days()):
        lines = log.day(d, i)
        if len(lines.sec) == 0:
            continue
        df, episodes = log.frame(d, lines)
        write(d, df, episodes)
        total += df.height
        if progress and (k % 30 == 0):
            progress(f"generate: access_log {d} ({total} lines so far)")
    return total
