"""統合基盤: staff accounts and permissions, personnel transfers (人事異動) and the terminals.

Every staff member has a list of state periods (dept, account status); the daily snapshots, the
jinji_ido events and the access logs are all read off these periods, so they always agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..project import code_set, seed_rows
from . import vocab
from .calendar import INITIAL, START, Calendar, is_working_day
from .people import EV_NONE, G_RES, People, age_on
from .profiles import STANDARD, Profile
from .rng import stream

_OFFICES = seed_rows("codes/code_offices")
_WARD_CODES = code_set("code_wards")
#: every department of the code seed, in its order; the offices that serve residents first
DEPTS = tuple(o["office_code"] for o in _OFFICES)
OFFICE_DEPTS = tuple(o["office_code"] for o in _OFFICES if o["serves_residents"] == "true")
#: ward index (position in the ward seed) of each office; one without a ward (H00) serves the
#: whole city (-1)
OFFICE_WARD = {
    o["office_code"]: _WARD_CODES.index(o["ward_code"]) if o["ward_code"] else -1
    for o in _OFFICES
    if o["serves_residents"] == "true"
}


@dataclass
class Staff:
    staff: (
        pl.DataFrame
    )  # sidx, staff_id, role, kengen, contractor_code, atena_pidx, staff_atena_no, valid_from
    periods: pl.DataFrame  # sidx, p_from, p_to (exclusive), dept, status, valid_to, working
    jinji: pl.DataFrame  # staff_id, effective_date, ido_type, from_dept, to_dept, deliver (date)
    terminals: pl.DataFrame  # terminal_id, office_code, dept_code, valid_from, valid_to (dates)
    ledger_dates: list[dt.date]
    leavers: pl.DataFrame  # sidx, kind ('retire'|'transfer'), effective, suspend (dates), dept

    @property
    def terminal_index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.terminals["terminal_id"].to_list())}

    def on(self, d: dt.date) -> pl.DataFrame:
        """State of every account on day d: sidx, dept, status, working, valid_to, role, ..."""
        p = self.periods.filter((pl.col("p_from") <= d) & (pl.col("p_to") > d))
        return p.join(self.staff, on="sidx", how="left", maintain_order="left").sort("sidx")

    def terminals_on(self, d: dt.date) -> pl.DataFrame:
        return self.terminals.filter(
            (pl.col("valid_from") <= d) & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= d))
        ).sort("terminal_id")


def _alloc(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer counts ≥ 1 summing to `total` (largest remainder)."""
    n = len(weights)
    rest = total - n
    share = weights / weights.sum() * rest
    base = np.floor(share).astype(int)
    left = rest - base.sum()
    base[np.argsort(-(share - base), kind="stable")[:left]] += 1
    return base + 1


def staff_count(persons: int, n_staff: int | None = None) -> int:
    """Accounts at the start: `n_staff` when given, else one per 3,500 宛名 (20 .. 500)."""
    if n_staff is not None:
        return int(n_staff)
    return int(min(500, max(20, round(persons / 3500))))


def build(
    seed: int,
    persons: int,
    people: People,
    cal: Calendar,
    progress=None,
    *,
    n_staff: int | None = None,
    profile: Profile = STANDARD,
) -> Staff:
    rng = stream(seed, "staff")
    dept0, role = _initial_accounts(rng, staff_count(persons, n_staff))
    n0 = len(dept0)
    picker = _Picker(rng, dept0)
    rows, hires, moves = _april_round(rng, picker, dept0, role)
    leave = _mid_period_departures(rng, cal, picker, dept0, role, moves, rows, hires)
    kk = _mid_moves(profile, cal, rng, n0, picker.take, dept0, moves, role, picker.dsize)
    dept_start, role_all, valid_from, kengen, contractor = _new_accounts(rng, dept0, role, hires)
    atena_pidx, atena_no = _own_atena(rng, people, role_all)
    n_all = len(dept_start)
    staff = pl.DataFrame(
        {
            "sidx": np.arange(n_all),
            "staff_id": [f"S{i + 1:05d}" for i in range(n_all)],
            "role": role_all.astype(str),
            "kengen": kengen,
            "contractor_code": contractor,
            "atena_pidx": atena_pidx,
            "staff_atena_no": atena_no.astype(str),
            "valid_from": valid_from,
            "home_dept": dept_start.astype(str),
        }
    )
    periods = _state_periods(n0, dept_start, valid_from, rows, moves, kk, leave, cal.end)
    sid = staff["staff_id"].to_list()
    jinji = _jinji(sid, rows, hires, n0, moves, kk, leave, dept0, START, cal.end)
    leavers = pl.DataFrame(
        [(s, kind, e, susp, dept_from) for s, kind, e, susp, dept_from, _ in rows],
        schema={
            "sidx": pl.Int64,
            "kind": pl.String,
            "effective": pl.Date,
            "suspend": pl.Date,
            "dept": pl.String,
        },
        orient="row",
    )
    terminals, ledger_dates = _terminals(periods, cal, rng)
    if progress:
        progress(
            f"generate: {n_all} staff accounts ({n0} at start), {jinji.height} 人事異動, "
            f"{terminals.height} terminals"
        )
    return Staff(
        staff=staff,
        periods=periods,
        jinji=jinji,
        terminals=terminals,
        ledger_dates=ledger_dates,
        leavers=leavers,
    )


def _initial_accounts(rng, n_target: int) -> tuple[np.ndarray, np.ndarray]:
    """(department, role) of the accounts at the start: departments by ward population; roles
    1 一般, 2 審査, 3 管理 (one per office of four or more), 4 委託 in I01."""
    ward_w = np.array([w[2] for w in vocab.WARDS])
    w = np.concatenate([[0.12], 0.65 * ward_w / ward_w.sum(), [0.03, 0.03, 0.03], [0.05, 0.02]])
    counts = _alloc(n_target, w)
    dept0 = np.repeat(np.array(DEPTS), counts)
    n0 = len(dept0)
    role = np.where(rng.random(n0) < 0.25, "2", "1").astype(object)
    for d in OFFICE_DEPTS:
        idx = np.flatnonzero(dept0 == d)
        if len(idx) >= 4:
            role[idx[0]] = "3"
        if len(idx) >= 2 and not (role[idx] == "2").any():
            role[idx[-1]] = "2"
    role[dept0 == "I01"] = "4"
    jidx = np.flatnonzero(dept0 == "J01")
    role[jidx] = "1"
    role[jidx[:1]] = "3"
    return dept0, role


# -------------------------------------------------- events: who leaves, who comes
#: a departure: (sidx, kind retire / transfer, effective, suspend, dept_from, dept_to)
_Departure = tuple[int, str, dt.date, dt.date, str, str]
#: a new account: (start, dept, ido_type 1 採用 / 2 転入)
_Hire = tuple[dt.date, str, str]


class _Picker:
    """Draws office members for events, each member at most once, in one random order."""

    def __init__(self, rng, dept0: np.ndarray) -> None:
        movable = np.flatnonzero(np.isin(dept0, OFFICE_DEPTS))
        self.perm = rng.permutation(movable)
        self.dsize = {d: int((dept0 == d).sum()) for d in DEPTS}
        self.used: set[int] = set()

    def take(self, k: int, cond=lambda i: True) -> list[int]:
        got = []
        for i in self.perm:
            if len(got) >= k:
                break
            if int(i) in self.used or not cond(int(i)):
                continue
            got.append(int(i))
            self.used.add(int(i))
        return got


def _april_round(
    rng, picker: _Picker, dept0: np.ndarray, role: np.ndarray
) -> tuple[list[_Departure], list[_Hire], dict[int, str]]:
    """The April round: retirements at the end of March, transfers out on 04-01 (each replaced
    by a new account), and swaps between two offices (sidx -> new dept)."""
    n0 = len(dept0)
    n_ret = max(1, int(round(n0 * 0.05)))
    n_out = max(1, int(round(n0 * 0.05)))
    n_swap = max(2, int(round(n0 * 0.10))) // 2 * 2
    april = START
    retire = picker.take(n_ret, lambda i: role[i] != "3")
    out = picker.take(n_out, lambda i: role[i] != "3")
    swaps = picker.take(n_swap, lambda i: role[i] != "3")
    rows: list[_Departure] = []
    hires: list[_Hire] = []
    for i in retire:
        delay = int(rng.integers(2, 11))
        rows.append((i, "retire", INITIAL, START + dt.timedelta(days=delay), dept0[i], ""))
        hires.append((april, dept0[i], "1"))
    for i in out:
        delay = int(rng.integers(2, 11))
        rows.append((i, "transfer", april, april + dt.timedelta(days=delay), dept0[i], ""))
        hires.append((april, dept0[i], "2"))
    moves = {}
    for a, b in zip(swaps[0::2], swaps[1::2], strict=True):
        if dept0[a] != dept0[b]:
            moves[a] = dept0[b]
            moves[b] = dept0[a]
    return rows, hires, moves


def _mid_period_departures(
    rng,
    cal: Calendar,
    picker: _Picker,
    dept0: np.ndarray,
    role: np.ndarray,
    moves: dict[int, str],
    rows: list[_Departure],
    hires: list[_Hire],
) -> list[tuple[int, dt.date, dt.date]]:
    """Mid-period retirements and transfers out (appended to rows, their replacements to
    hires); returns the leaves (休職 and 復職): (sidx, start, return)."""
    leave: list[tuple[int, dt.date, dt.date]] = []
    if cal.days < 15:
        return leave
    n0 = len(dept0)
    dsize = picker.dsize
    frac = cal.days / 245
    mid_days = [d for d in cal.activity[5:-3]] or list(cal.activity)
    n_mid = max(1, int(round(n0 * 0.02 * frac)))

    def mid_date():
        return mid_days[int(rng.integers(0, len(mid_days)))]

    for i in picker.take(n_mid, lambda i: role[i] != "3" and dsize[dept0[i]] >= 2):
        e = mid_date()
        dept = moves.get(i, dept0[i])
        rows.append((i, "retire", e, e + dt.timedelta(days=int(rng.integers(3, 9))), dept, ""))
        hires.append((e + dt.timedelta(days=int(rng.integers(1, 10))), dept, "1"))
    for i in picker.take(n_mid, lambda i: role[i] != "3" and dsize[dept0[i]] >= 2):
        e = mid_date()
        dept = moves.get(i, dept0[i])
        rows.append((i, "transfer", e, e + dt.timedelta(days=int(rng.integers(3, 9))), dept, ""))
        hires.append((e, dept, "2"))
    for i in picker.take(
        max(1, int(round(n0 * 0.02 * frac))),
        lambda i: role[i] != "3" and dsize[dept0[i]] >= 3,
    ):
        e = mid_date()
        r = e + dt.timedelta(days=int(rng.integers(20, 61)))
        leave.append((i, e, r))
    return leave


# -------------------------------------------------- new accounts
def _new_accounts(
    rng, dept0: np.ndarray, role: np.ndarray, hires: list[_Hire]
) -> tuple[np.ndarray, np.ndarray, list[dt.date], np.ndarray, np.ndarray]:
    """Every account, those at the start and the hires: (starting dept, role, valid_from,
    may display 個人番号, contractor code)."""
    n0 = len(dept0)
    new_dept = [h[1] for h in hires]
    new_start = [h[0] for h in hires]
    n_all = n0 + len(hires)
    dept_start = np.array(list(dept0) + new_dept, dtype=object)
    role_all = np.array(list(role) + ["1"] * len(hires), dtype=object)
    valid_from = [
        dt.date(2008, 4, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 6500, n0)
    ] + new_start
    valid_from = [min(v, INITIAL) if i < n0 else v for i, v in enumerate(valid_from)]
    kengen = np.where(
        role_all == "3",
        "1",
        np.where(
            role_all == "4",
            "0",
            np.where(rng.random(n_all) < np.where(role_all == "2", 0.5, 0.25), "1", "0"),
        ),
    )
    kengen[np.isin(dept_start, ("J01",))] = "0"
    contractor = np.where(role_all == "4", np.where(rng.random(n_all) < 0.6, "CT01", "CT02"), "")
    return dept_start, role_all, valid_from, kengen, contractor


# -------------------------------------------------- own 宛名 (residents among the staff)
def _own_atena(rng, people: People, role_all: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pidx or -1, 宛名番号 or '') of each account's member where the member lives in the
    city: residents aged 22-64 without an event or protection."""
    n_all = len(role_all)
    df = people.df
    age = age_on(df["birth"].to_numpy().astype("datetime64[D]"), START)
    cand = np.flatnonzero(
        (df["group"].to_numpy() == G_RES)
        & (df["event"].to_numpy() == EV_NONE)
        & (~df["protected"].to_numpy())
        & (age >= 22)
        & (age <= 64)
    )
    resident = rng.random(n_all) < np.where(role_all == "4", 0.3, 0.6)
    pick_p = cand[rng.permutation(len(cand))[:n_all]]
    atena_pidx = (
        np.where(resident[: len(pick_p)], pick_p, -1)
        if len(pick_p) == n_all
        else np.full(n_all, -1)
    )
    atena_no = np.where(atena_pidx >= 0, df["atena_no"].to_numpy()[np.maximum(atena_pidx, 0)], "")
    return atena_pidx, atena_no


# -------------------------------------------------- state periods
def _state_periods(
    n0: int,
    dept_start: np.ndarray,
    valid_from: list[dt.date],
    rows: list[_Departure],
    moves: dict[int, str],
    kk: dict[int, tuple[dt.date, str]],
    leave: list[tuple[int, dt.date, dt.date]],
    end: dt.date,
) -> pl.DataFrame:
    """Each account's periods of one state: sidx, p_from, p_to (exclusive), dept, status,
    valid_to, working. A leaver's account stays active some days after the departure."""
    april = START
    end_excl = end + dt.timedelta(days=1)
    per = []

    def add(s, f, t, dept, status, vto, working):
        if f < t:
            per.append((s, f, t, dept, status, vto, working))

    leaving = {r[0]: r for r in rows}
    on_leave = {i: (e, r) for i, e, r in leave}
    for s in range(len(dept_start)):
        d0 = dept_start[s]
        f0 = INITIAL if s < n0 else valid_from[s]
        if s in leaving:
            _, _kind, e, susp, dept_from, _ = leaving[s]
            if s in moves and e > april:
                add(s, f0, april, d0, "1", None, True)
                f0, d0 = april, moves[s]
            last_work = e + dt.timedelta(days=1) if _kind == "retire" else e
            add(s, f0, last_work, d0, "1", None, True)
            add(s, last_work, susp, d0, "1", None, False)  # account still active after leaving
            add(s, susp, end_excl, d0, "9", susp, False)
            continue
        if s in moves:
            add(s, f0, april, d0, "1", None, True)
            f0, d0 = april, moves[s]
        if s in kk:
            e, to = kk[s]
            add(s, f0, e, d0, "1", None, True)
            add(s, e, end_excl, to, "1", None, True)
            continue
        if s in on_leave:
            e, r = on_leave[s]
            add(s, f0, e, d0, "1", None, True)
            add(s, e, min(r, end_excl), d0, "9", None, False)
            add(s, r, end_excl, d0, "1", None, True)
            continue
        add(s, f0, end_excl, d0, "1", None, True)
    periods = pl.DataFrame(
        per,
        schema={
            "sidx": pl.Int64,
            "p_from": pl.Date,
            "p_to": pl.Date,
            "dept": pl.String,
            "status": pl.String,
            "valid_to": pl.Date,
            "working": pl.Boolean,
        },
        orient="row",
    ).with_columns(pl.col("p_to").clip(upper_bound=end_excl))
    return periods.filter(pl.col("p_from") < pl.col("p_to"))


def _terminals(periods: pl.DataFrame, cal: Calendar, rng) -> tuple[pl.DataFrame, list[dt.date]]:
    """The terminal ledger: about 0.8 terminals per member of each department, some replaced
    on 04-01 and then every ~3 months; returns the terminals and the ledger's delivery dates."""
    max_size = periods.group_by("dept").agg(pl.col("sidx").n_unique().alias("n")).sort("dept")
    size = dict(zip(max_size["dept"].to_list(), max_size["n"].to_list(), strict=True))
    trows = []
    tno = 0
    for d in DEPTS:
        k = max(2, int(np.ceil(size.get(d, 1) * 0.8)) + 1)
        for _ in range(k):
            tno += 1
            vf = dt.date(2019, 4, 1) + dt.timedelta(days=int(rng.integers(0, 2000)))
            trows.append(
                (f"T{tno:04d}", d if d in OFFICE_DEPTS else "H00", d, min(vf, INITIAL), None)
            )
    # replacements: some on 04-01, then every ~3 months
    change_dates = [START] + [
        d for d in cal.activity if d.day <= 7 and d.month in (7, 10, 1) and d.weekday() == 0
    ]
    change_dates = sorted({d for d in change_dates if d <= cal.end})
    ledger_dates = [INITIAL]
    for c in change_dates:
        live = [i for i, t in enumerate(trows) if t[4] is None and t[3] < c]
        k = max(1, len(live) // 20)
        for i in rng.permutation(live)[:k]:
            t = trows[int(i)]
            trows[int(i)] = (t[0], t[1], t[2], t[3], c - dt.timedelta(days=1))
            tno += 1
            trows.append((f"T{tno:04d}", t[1], t[2], c, None))
        ledger_dates.append(c)
    terminals = pl.DataFrame(
        trows,
        schema={
            "terminal_id": pl.String,
            "office_code": pl.String,
            "dept_code": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
        orient="row",
    )
    return terminals, ledger_dates


def _jinji(sid, rows, hires, n0, moves, kk, leave, dept0, april, end) -> pl.DataFrame:
    """人事異動 events of the departures, hires, moves (転出 + 転入 the same day) and leave, with
    the date each is delivered."""
    ji = []
    for s, kind, e, _susp, dept_from, _ in rows:
        ji.append((sid[s], e, "4" if kind == "retire" else "3", dept_from, ""))
    for k, (e, dept, kind) in enumerate(hires):
        s = n0 + k
        ji.append((sid[s], e, kind, "", dept))
    # a move inside docs/raw-interface.md §4.1: 転出 (3) and 転入 (2), same day, both depts filled
    for s, to in moves.items():
        ji.append((sid[s], april, "3", dept0[s], to))
        ji.append((sid[s], april, "2", dept0[s], to))
    for s, (e, to) in kk.items():
        frm = moves.get(s, dept0[s])
        ji.append((sid[s], e, "3", frm, to))
        ji.append((sid[s], e, "2", frm, to))
    for s, e, r in leave:
        ji.append((sid[s], e, "5", dept0[s] if s not in moves else moves[s], ""))
        if r <= end:
            ji.append((sid[s], r, "6", "", dept0[s] if s not in moves else moves[s]))
    jinji = pl.DataFrame(
        ji,
        schema={
            "staff_id": pl.String,
            "effective_date": pl.Date,
            "ido_type": pl.String,
            "from_dept": pl.String,
            "to_dept": pl.String,
        },
        orient="row",
    ).filter(pl.col("effective_date") <= end)
    # the April round is announced in March (delivered with the initial extracts); later events
    # arrive on their effective date (or the next working day)
    jinji = (
        jinji.with_columns(
            deliver=pl.when(pl.col("effective_date") <= START)
            .then(pl.lit(INITIAL))
            .otherwise(pl.col("effective_date").map_elements(_next_working, return_dtype=pl.Date))
        )
        .with_columns(
            deliver=pl.when(pl.col("deliver") > end).then(pl.lit(end)).otherwise(pl.col("deliver"))
        )
        .sort("deliver", "effective_date", "staff_id", "ido_type")
    )

    return jinji


def _mid_moves(profile: Profile, cal: Calendar, rng, n0, take, dept0, moves, role, dsize):
    """Mid-period moves between offices of docs/raw-interface.md §4.1 (profile.kk_transfers): sidx ->
    (effective date, new dept). The member keeps working, in the new department from that day."""
    kk: dict[int, tuple[dt.date, str]] = {}
    if profile.kk_transfers <= 0 or cal.days < 10:
        return kk
    n_kk = max(2, int(round(n0 * profile.kk_transfers)))
    days = list(cal.activity[3:-2]) or list(cal.activity)
    wards = [d for d in OFFICE_DEPTS if d != "H00"]
    for i in take(n_kk, lambda i: role[i] != "3"):
        frm = moves.get(i, dept0[i])
        choices = [d for d in wards if d != frm]
        to = choices[int(rng.integers(0, len(choices)))]
        kk[i] = (days[int(rng.integers(0, len(days)))], to)
    return kk


def _next_working(d: dt.date) -> dt.date:
    while not is_working_day(d):
        d += dt.timedelta(days=1)
    return d
