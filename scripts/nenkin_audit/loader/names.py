"""Inbox file names: `<extract>_<YYYYMMDD>_<NNN>.csv` (docs/raw-interface.md §1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..safe_text import printable
from ..spec import EXTRACTS, FILE_NAME_RE

NAME_PATTERN = "<extract>_<YYYYMMDD>_<NNN>.csv"


@dataclass(frozen=True)
class FileName:
    name: str
    extract: str
    extract_date: dt.date
    seq: int

    @property
    def sort_key(self) -> tuple:
        return (0, self.extract_date, self.extract, self.seq, self.name)


class BadName(ValueError):
    """The name does not follow the convention; the message says why and what to do."""


def parse_file_name(name: str) -> FileName:
    m = FILE_NAME_RE.match(name)
    if m is None:
        raise BadName(
            f"file name '{printable(name)}' does not follow {NAME_PATTERN} (extract one of "
            f"{', '.join(EXTRACTS)}; the extract date; a 3-digit sequence; lower-case .csv). "
            "Rename it to the convention and deliver it again."
        )
    raw_date = m.group("date")
    try:
        date = dt.datetime.strptime(raw_date, "%Y%m%d").date()
    except ValueError:
        raise BadName(
            f"file name '{printable(name)}' carries the extract date {raw_date}, which is not a calendar "
            "date. Rename it with the real extract date (YYYYMMDD) and deliver it again."
        ) from None
    return FileName(name, m.group("extract"), date, int(m.group("seq")))


def bad_name_sort_key(name: str) -> tuple:
    """Files with a bad name are handled after all well-named ones, in name order."""
    return (1, dt.date.min, "", 0, name)
