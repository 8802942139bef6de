"""The city's fixed calendar: activity starts on Wednesday 2026-04-01; the initial full sets carry
extract date 2026-03-31. Working days are Monday–Friday except Japanese national holidays and
the city offices' year-end closure (12/29–1/3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..errors import UserError

START = dt.date(2026, 4, 1)
INITIAL = dt.date(2026, 3, 31)

# 国民の祝日 (including 振替休日 and 国民の休日), 2026–2028.
_HOLIDAY_TEXT = (
    # 2026
    "2026-01-01 2026-01-12 2026-02-11 2026-02-23 2026-03-20 2026-04-29 2026-05-03 "
    "2026-05-04 2026-05-05 2026-05-06 2026-07-20 2026-08-11 2026-09-21 2026-09-22 "
    "2026-09-23 2026-10-12 2026-11-03 2026-11-23 "
    # 2027
    "2027-01-01 2027-01-11 2027-02-11 2027-02-23 2027-03-21 2027-03-22 2027-04-29 "
    "2027-05-03 2027-05-04 2027-05-05 2027-07-19 2027-08-11 2027-09-20 2027-09-23 "
    "2027-10-11 2027-11-03 2027-11-23 "
    # 2028
    "2028-01-01 2028-01-10 2028-02-11 2028-02-23 2028-03-20 2028-04-29 2028-05-03 "
    "2028-05-04 2028-05-05 2028-07-17 2028-08-11 2028-09-18 2028-09-22 2028-10-09 "
    "2028-11-03 2028-11-23"
)
NATIONAL_HOLIDAYS: frozenset[dt.date] = frozenset(
    dt.date.fromisoformat(s) for s in _HOLIDAY_TEXT.split()
)
LAST_KNOWN = dt.date(2028, 12, 28)
#: Working days before START whose filings are already in the initial full set.
PRE_DAYS = 20


def is_working_day(d: dt.date) -> bool:
    if d.weekday() >= 5 or d in NATIONAL_HOLIDAYS:
        return False
    return not ((d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3))


@dataclass(frozen=True)
class Calendar:
    """`work[PRE_DAYS + i]` is working day i of the activity (i = 0 .. days-1)."""

    days: int
    work: tuple[dt.date, ...]  # PRE_DAYS working days before START, then the activity days
    calendar: tuple[dt.date, ...]  # INITIAL .. END, every calendar day

    @classmethod
    def build(cls, days: int) -> Calendar:
        if days < 1:
            raise UserError("--days must be at least 1 working day")
        work: list[dt.date] = []
        d = START
        while len(work) < days:
            if d > LAST_KNOWN:
                raise UserError(
                    f"--days {days} runs past {LAST_KNOWN}, the end of the generator's holiday "
                    "calendar; use at most "
                    f"{len(work)} working days"
                )
            if is_working_day(d):
                work.append(d)
            d += dt.timedelta(days=1)
        pre: list[dt.date] = []
        d = START - dt.timedelta(days=1)
        while len(pre) < PRE_DAYS:
            if is_working_day(d):
                pre.append(d)
            d -= dt.timedelta(days=1)
        cal = []
        d = INITIAL
        while d <= work[-1]:
            cal.append(d)
            d += dt.timedelta(days=1)
        return cls(days=days, work=tuple(reversed(pre)) + tuple(work), calendar=tuple(cal))

    @property
    def end(self) -> dt.date:
        return self.work[-1]

    @property
    def activity(self) -> tuple[dt.date, ...]:
        return self.work[PRE_DAYS:]

    def work_np(self) -> np.ndarray:
        return np.array(self.work, dtype="datetime64[D]")

    def weekly(self, weekday: int, *, start: dt.date = START) -> list[dt.date]:
        """One working day per week from `start` to the end: the given weekday (0 = Monday),
        or the next working day of that week when it is a holiday."""
        out: list[dt.date] = []
        monday = start - dt.timedelta(days=start.weekday())
        while monday <= self.end:
            d = monday + dt.timedelta(days=weekday)
            while d <= monday + dt.timedelta(days=6) and not is_working_day(d):
                d += dt.timedelta(days=1)
            if start <= d <= self.end and is_working_day(d):
                out.append(d)
            monday += dt.timedelta(days=7)
        return out
