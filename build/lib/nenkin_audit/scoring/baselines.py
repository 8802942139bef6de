"""Expected counts of each staff-day signal from the city's own history.

Three references, each trailing (the day scored is never part of its own normal):
- the member's own mean over the previous `baseline_days` calendar days, shrunk toward the
  peer group's rate by `peer_prior_days` days of weight (empirical Bayes: a new or sparse member
  is judged mostly by the peers);
- the peer group (role × department) over the same window;
- the office (department) on the same weekday over `office_weekday_days`.
The expected count is the largest of them: a day is unusual only when it is unusual for the
member, the peers and the office alike. Before a reference has any trailing history (the first
days of a city), the reference's mean over the whole loaded period stands in."""

from __future__ import annotations

import polars as pl

from .settings import Settings

KEYS = ["staff_id", "access_date"]


def _trailing(
    days: pl.DataFrame, group: list[str], column: str, period_days: int, name: str
) -> pl.DataFrame:
    """Per group and day: the group's mean of `column` over its staff-days in the trailing
    window (day excluded), with the whole-period mean where the window is empty."""
    daily = (
        days.group_by([*group, "access_date"])
        .agg(pl.col(column).sum().alias("_sum"), pl.len().alias("_n"))
        .sort([*group, "access_date"])
    )
    rolled = daily.rolling(
        index_column="access_date", period=f"{period_days}d", closed="left", group_by=group
    ).agg(pl.col("_sum").sum().alias("_wsum"), pl.col("_n").sum().alias("_wn"))
    whole = daily.group_by(group).agg((pl.col("_sum").sum() / pl.col("_n").sum()).alias("_all"))
    out = (
        rolled.join(whole, on=group, how="left")
        .with_columns(
            pl.when(pl.col("_wn") > 0)
            .then(pl.col("_wsum") / pl.col("_wn"))
            .otherwise(pl.col("_all"))
            .alias(name),
            pl.col("_wn").fill_null(0).alias(f"{name}_n"),
        )
        .select([*group, "access_date", name, f"{name}_n"])
    )
    return out


def expected_counts(days: pl.DataFrame, columns: list[str], settings: Settings) -> pl.DataFrame:
    """`days` (one row per staff-day, with peer_role, peer_dept_code, iso_weekday and the
    count columns) with `exp_<column>` (the expected count) and `peer_<column>` (the peer
    group's trailing rate alone) added for each column."""
    days = days.sort(KEYS)
    out = days
    for col in columns:
        own = _trailing(days, ["staff_id"], col, settings.baseline_days, "_own")
        peer = _trailing(
            days, ["peer_role", "peer_dept_code"], col, settings.baseline_days, "_peer"
        )
        office = _trailing(
            days, ["peer_dept_code", "iso_weekday"], col, settings.office_weekday_days, "_office"
        )
        k = settings.peer_prior_days
        joined = (
            days.select([*KEYS, "peer_role", "peer_dept_code", "iso_weekday"])
            .join(own, on=KEYS, how="left")
            .join(peer, on=["peer_role", "peer_dept_code", "access_date"], how="left")
            .join(office, on=["peer_dept_code", "iso_weekday", "access_date"], how="left")
            .with_columns(
                (
                    (pl.col("_own").fill_null(0) * pl.col("_own_n") + k * pl.col("_peer"))
                    / (pl.col("_own_n") + k)
                ).alias("_shrunk")
            )
            .select(
                *KEYS,
                pl.max_horizontal("_shrunk", "_peer", "_office").fill_null(0).alias(f"exp_{col}"),
                pl.col("_peer").fill_null(0).alias(f"peer_{col}"),
            )
        )
        out = out.join(joined, on=KEYS, how="left")
    return out
