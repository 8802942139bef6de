"""Value formats (docs/raw-interface.md §2): era dates, 個人番号 check digits, 基礎年金番号.

The SQL macros in `macros/` implement the same rules inside dbt; the tests hold both to the
same examples so they cannot drift apart."""

from __future__ import annotations

import datetime as dt
import unicodedata

# Era code -> (name, first day). 明治 is listed from the Gregorian adoption (明治6年1月1日);
# earlier 明治 dates do not occur in a pension register.
ERAS: dict[int, tuple[str, dt.date]] = {
    1: ("明治", dt.date(1868, 1, 25)),
    2: ("大正", dt.date(1912, 7, 30)),
    3: ("昭和", dt.date(1926, 12, 25)),
    4: ("平成", dt.date(1989, 1, 8)),
    5: ("令和", dt.date(2019, 5, 1)),
}
_ERA_FIRST_YEAR = {code: start.year for code, (_, start) in ERAS.items()}


class EraDateError(ValueError):
    """An era date that does not exist (wrong format, no such day, or outside its era)."""


def era_to_date(value: str) -> dt.date:
    """Convert `GYYMMDD` to a date; raise EraDateError when the date does not exist in that era."""
    s = unicodedata.normalize("NFKC", value).strip()
    if len(s) != 7 or not s.isascii() or not s.isdigit():
        raise EraDateError(f"{value!r} is not 7 digits GYYMMDD")
    era, yy, mm, dd = int(s[0]), int(s[1:3]), int(s[3:5]), int(s[5:7])
    if era not in ERAS:
        raise EraDateError(f"{value!r}: unknown era code {era}")
    if yy < 1:
        raise EraDateError(f"{value!r}: era year 0 does not exist")
    try:
        d = dt.date(_ERA_FIRST_YEAR[era] + yy - 1, mm, dd)
    except ValueError as exc:
        raise EraDateError(f"{value!r}: {exc}") from None
    start = ERAS[era][1]
    nxt = ERAS.get(era + 1)
    if d < start or (nxt is not None and d >= nxt[1]):
        raise EraDateError(f"{value!r}: {d.isoformat()} is not in {ERAS[era][0]}")
    return d


def date_to_era(d: dt.date) -> str:
    """The era date `GYYMMDD` of a date (the era in force on that day)."""
    for code in sorted(ERAS, reverse=True):
        if d >= ERAS[code][1]:
            return f"{code}{d.year - _ERA_FIRST_YEAR[code] + 1:02d}{d.month:02d}{d.day:02d}"
    raise EraDateError(f"{d.isoformat()} is before 明治6年")


def kojin_no_check_digit(first11: str) -> int:
    """Check digit of a 個人番号 from its first 11 digits (docs/raw-interface.md §2)."""
    if len(first11) != 11 or not first11.isascii() or not first11.isdigit():
        raise ValueError(f"{first11!r} is not 11 digits")
    r = sum(int(first11[10 - (n - 1)]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12)) % 11
    return 0 if r <= 1 else 11 - r


def kojin_no_is_valid(value: str) -> bool:
    s = unicodedata.normalize("NFKC", value).strip()
    return (
        len(s) == 12 and s.isascii() and s.isdigit() and kojin_no_check_digit(s[:11]) == int(s[11])
    )


def normalise_kiso_nenkin_no(value: str) -> str | None:
    """10 digits, or None when the value cannot be a 基礎年金番号 (`NNNN-NNNNNN` is accepted)."""
    s = unicodedata.normalize("NFKC", value).strip()
    if len(s) == 11 and s[4] == "-":
        s = s[:4] + s[5:]
    return s if len(s) == 10 and s.isascii() and s.isdigit() else None
