"""The run clock: the one date a run treats as "today".

`NENKIN_AUDIT_RUN_DATE` (YYYY-MM-DD) sets it, e.g. to replay a past night; otherwise it is the
local date when asked. `run` fixes it once at its start and hands the same value to dbt, so a run
that crosses midnight uses one date throughout. Nothing delivered may lie after it: a file whose
extract date is later is rejected (`future_date`), a row whose change or event time is later is
quarantined (`future_date:<column>`), so delivered data can never move the reference date or the
`as of` date of the mart beyond the clock.
"""

from __future__ import annotations

import datetime as dt
import os

from .errors import UserError

RUN_DATE_ENV = "NENKIN_AUDIT_RUN_DATE"


def run_date() -> dt.date:
    raw = os.environ.get(RUN_DATE_ENV, "").strip()
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UserError(f"{RUN_DATE_ENV}={raw!r} is not a date; use YYYY-MM-DD") from None
