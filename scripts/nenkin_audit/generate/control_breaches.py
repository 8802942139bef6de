"""Labelled breaches of the PIA self-check controls (`--misuse`; truth in control_breaches.csv).

The provision ledger (teikyo_iten) gets three breaches of PIA II-5 / III-5:
- unapproved_method: one monthly 介護保険課 transfer sent on paper (紙) instead of by
  庁内連携システム;
- too_frequent: a second 子育て支援政策課 transfer in a month that already has one;
- missing_week: the weekly 進達 to 日本年金機構 of one mid-period week left unrecorded.

Every leaver (退職, 転出 out of the pension departments) is written to the truth too, with the
departure day and the day the account was stopped (the generator stops every leaver's account
2-10 days late, and after_leaving misuse uses some in between), so a test can say which
departures the revocation control must report.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from .rng import stream
from .staff import Staff

TRUTH_FILE = "control_breaches.csv"
_SCHEMA = {"control_code": pl.String, "item": pl.String, "breach": pl.String, "day": pl.Date}


def inject(seed: int, teikyo: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ledger with the three provision breaches, and their truth rows."""
    r = stream(seed, "control_breaches")
    truth: list[dict] = []
    out = teikyo

    kaigo = out.filter(pl.col("recipient_code") == "KAIGO")
    if kaigo.height:
        rec = kaigo.row(int(r.integers(0, kaigo.height)), named=True)
        out = out.with_columns(
            method=pl.when(pl.col("record_id") == rec["record_id"])
            .then(pl.lit("2"))
            .otherwise(pl.col("method"))
        )
        truth.append(
            {
                "control_code": "provision_approved",
                "item": rec["record_id"],
                "breach": "unapproved_method",
                "day": rec["_deliver"],
            }
        )

    kosodate = out.filter(pl.col("recipient_code") == "KOSODATE")
    if kosodate.height:
        rec = kosodate.row(int(r.integers(0, kosodate.height)), named=True)
        sent = dt.datetime.strptime(rec["sent_at"], "%Y-%m-%d %H:%M:%S")
        later = sent + dt.timedelta(days=1) if sent.day < 28 else sent - dt.timedelta(days=1)
        extra = {
            **rec,
            "record_id": f"TK{later:%Y%m%d}91",
            "sent_at": later.strftime("%Y-%m-%d %H:%M:%S"),
            "_deliver": later.date(),
        }
        out = pl.concat([out, pl.DataFrame([extra], schema=out.schema)])
        second = rec if later < sent else extra  # the month's second record breaks the rule
        truth.append(
            {
                "control_code": "provision_approved",
                "item": second["record_id"],
                "breach": "too_frequent",
                "day": second["_deliver"],
            }
        )

    jps = out.filter(pl.col("recipient_code") == "JPS").sort("sent_at")
    if jps.height >= 5:
        rec = jps.row(int(r.integers(2, jps.height - 2)), named=True)
        out = out.filter(pl.col("record_id") != rec["record_id"])
        day = rec["_deliver"]
        truth.append(
            {
                "control_code": "provision_jps_weekly",
                "item": f"JPS:{day - dt.timedelta(days=day.weekday())}",
                "breach": "missing_week",
                "day": day,
            }
        )
    out = out.sort("sent_at")
    return out, pl.DataFrame(truth, schema=_SCHEMA)


def leavers_truth(staff: Staff) -> pl.DataFrame:
    """Every leaver: departure day (退職: the day after; 転出: the day) and the suspension day."""
    ids = staff.staff.select("sidx", "staff_id")
    rows = staff.leavers.join(ids, on="sidx", how="left").with_columns(
        departure=pl.when(pl.col("kind") == "retire")
        .then(pl.col("effective") + pl.duration(days=1))
        .otherwise(pl.col("effective"))
    )
    return rows.select(
        pl.lit("revocation").alias("control_code"),
        pl.format("{}:{}", pl.col("staff_id"), pl.col("departure")).alias("item"),
        pl.format("{}_stopped_{}", pl.col("kind"), pl.col("suspend")).alias("breach"),
        pl.col("departure").alias("day"),
    ).cast(_SCHEMA)
