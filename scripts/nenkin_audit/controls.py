"""The PIA self-check (自己点検) controls as the page and the report read them.

Eight controls are evaluated by dbt (models/intermediate/controls, published as
`agg_controls__results` and `fct_control_evidence`). The ninth, `log_review` (PIA III-3 リスク3:
the regular log review happens), is evaluated here, when the page or the report is made: the
review decisions live in `<home>/reviews.duckdb`, an append-only store outside the warehouse that
`run` never opens (a decision must never block a build, nor a build a decision). Its threshold and
window come from the same seed as every other control (`dim_controls`).

Everything here reads the published mart through a query function (`Query`: SQL -> polars) and
the review store through nenkin_audit.reviews; nothing reads the restricted warehouse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from . import reviews

Query = Callable[[str], pl.DataFrame]

LOG_REVIEW = "log_review"
CONTROL_TABLES = ("dim_controls", "agg_controls__results", "fct_control_evidence")

STATE_JA = {"ok": "適合", "exception": "要対応", "no_data": "対象なし"}

#: the rules that judged an item, in Japanese (fct_control_evidence.rule_code)
RULE_JA = {
    "accessed_after_departure": "離任後にアクセスあり",
    "not_revoked": "期限を過ぎても未停止",
    "late_revocation": "停止が期限より遅い",
    "within_window_not_yet_revoked": "期限内（未停止）",
    "revoked_in_time": "期限内に停止",
    "unapproved_recipient": "承認外の提供先",
    "unapproved_method": "承認外の方法",
    "too_frequent": "承認された頻度を超過",
    "approved": "承認どおり",
    "missing_week": "進達記録のない週",
    "week_with_record": "進達記録あり",
    "display_without_right": "権限なしの個人番号表示",
    "with_right": "権限ありの表示",
    "function_not_allowed": "許可外の機能",
    "hour_not_allowed": "許可外の時間帯",
    "within_scope": "許可の範囲内",
    "invalid_kojin_no": "個人番号の桁数・検査数字不正",
    "share_above_threshold": "隔離率が基準超過",
    "share_within_threshold": "隔離率は基準内",
    "pension_record_unchanged": "年金記録が未更新",
    "pension_record_updated": "年金記録は更新済み",
    "not_decided_in_time": "期限内の判断なし",
    "decided_in_time": "期限内に判断",
}

EVIDENCE_COLUMNS = {
    "control_code": pl.String,
    "period_month": pl.Date,
    "item_id": pl.String,
    "item_date": pl.Date,
    "is_exception": pl.Boolean,
    "rule_code": pl.String,
    "staff_id": pl.String,
    "log_id": pl.String,
    "record_id": pl.String,
    "days_value": pl.Int64,
    "line_count": pl.Int64,
    "detail_ja": pl.String,
}
RESULT_COLUMNS = {
    "control_code": pl.String,
    "period_month": pl.Date,
    "items_judged": pl.Int64,
    "items_exception": pl.Int64,
    "measure_value": pl.Float64,
    "threshold_value": pl.Float64,
    "state": pl.String,
}


@dataclass(frozen=True)
class ControlData:
    """Every control (dim_controls), its monthly results and its evidence, log_review included."""

    controls: pl.DataFrame
    results: pl.DataFrame
    evidence: pl.DataFrame

    def in_period(self, start: dt.date, end: dt.date) -> ControlData:
        """The whole months that overlap start..end (controls are judged by month), and their
        evidence."""
        months = pl.col("period_month").is_between(start.replace(day=1), end)
        return ControlData(self.controls, self.results.filter(months), self.evidence.filter(months))

    def summary(self) -> pl.DataFrame:
        """One row per control: months judged, months with an exception, exceptions, and the
        latest month's state; in the catalogue's order."""
        per = self.results.group_by("control_code").agg(
            pl.len().alias("months"),
            (pl.col("state") == "exception").sum().alias("exception_months"),
            pl.col("items_exception").sum().alias("exceptions"),
            pl.col("state").sort_by("period_month").last().alias("latest_state"),
        )
        return (
            self.controls.join(per, on="control_code", how="left")
            .with_columns(
                pl.col("months").fill_null(0),
                pl.col("exception_months").fill_null(0),
                pl.col("exceptions").fill_null(0),
                pl.col("latest_state").fill_null("no_data"),
                pl.when(pl.col("exception_months").fill_null(0) > 0)
                .then(pl.lit("exception"))
                .when(pl.col("months").fill_null(0) == 0)
                .then(pl.lit("no_data"))
                .otherwise(pl.lit("ok"))
                .alias("period_state"),
            )
            .sort("sort_order")
        )


def log_review_items(
    cases: pl.DataFrame, decisions: pl.DataFrame, *, window_days: int, as_of: dt.date
) -> pl.DataFrame:
    """One evidence row per case in the review budget whose queue day is at least window_days
    before as_of (younger cases cannot be late yet): decided within window_days of its queue day
    (the first decision counts; a correction does not reset it) or not.

    cases: case_id, queue_date, staff_id. decisions: case_id, decided_at (reviews.history)."""
    first = decisions.group_by("case_id").agg(pl.col("decided_at").min().alias("first_decided_at"))
    judged = (
        cases.filter(pl.col("queue_date") <= as_of - dt.timedelta(days=window_days))
        .join(first, on="case_id", how="left")
        .with_columns(
            (pl.col("first_decided_at").dt.date() - pl.col("queue_date"))
            .dt.total_days()
            .alias("days")
        )
        .with_columns(
            (pl.col("days").is_null() | (pl.col("days") > window_days)).alias("is_exception")
        )
    )
    return judged.select(
        pl.lit(LOG_REVIEW).alias("control_code"),
        pl.col("queue_date").dt.month_start().alias("period_month"),
        pl.col("case_id").cast(pl.String).alias("item_id"),
        pl.col("queue_date").alias("item_date"),
        pl.col("is_exception"),
        pl.when(pl.col("is_exception"))
        .then(pl.lit("not_decided_in_time"))
        .otherwise(pl.lit("decided_in_time"))
        .alias("rule_code"),
        pl.col("staff_id").cast(pl.String),
        pl.lit(None, pl.String).alias("log_id"),
        pl.lit(None, pl.String).alias("record_id"),
        pl.col("days").cast(pl.Int64).alias("days_value"),
        pl.lit(1, pl.Int64).alias("line_count"),
        pl.format(
            "ケース {} 点検日 {}: {}",
            pl.col("case_id"),
            pl.col("queue_date"),
            pl.when(pl.col("days").is_null())
            .then(pl.lit("判断なし"))
            .otherwise(pl.format("{}日後に最初の判断", pl.col("days"))),
        ).alias("detail_ja"),
    ).cast(EVIDENCE_COLUMNS)


def log_review_results(items: pl.DataFrame, *, threshold: float) -> pl.DataFrame:
    """Per month of the queue day: the share of judged cases decided in time, against threshold."""
    if items.height == 0:
        return pl.DataFrame(schema=RESULT_COLUMNS)
    return (
        items.group_by("control_code", "period_month")
        .agg(
            pl.len().alias("items_judged"),
            pl.col("is_exception").sum().cast(pl.Int64).alias("items_exception"),
        )
        .with_columns(
            (1 - pl.col("items_exception") / pl.col("items_judged")).alias("measure_value"),
            pl.lit(threshold, pl.Float64).alias("threshold_value"),
        )
        .with_columns(
            pl.when(pl.col("measure_value") >= threshold)
            .then(pl.lit("ok"))
            .otherwise(pl.lit("exception"))
            .alias("state")
        )
        .select(list(RESULT_COLUMNS))
        .cast(RESULT_COLUMNS)
        .sort("period_month")
    )


def load(query: Query, reviews_path: Path, *, as_of: dt.date | None = None) -> ControlData:
    """All controls from the published mart, log_review computed from the review store as of
    `as_of` (default today)."""
    controls = query("select * from dim_controls order by sort_order")
    results = query(
        f"select {', '.join(RESULT_COLUMNS)} from agg_controls__results "
        "order by control_code, period_month"
    ).cast(RESULT_COLUMNS)
    evidence = query(
        f"select {', '.join(EVIDENCE_COLUMNS)} from fct_control_evidence "
        "order by control_code, item_date, item_id"
    ).cast(EVIDENCE_COLUMNS)
    spec = controls.filter(pl.col("control_code") == LOG_REVIEW)
    if spec.height:
        cases = query(
            "select case_id, queue_date, staff_id from fct_access_cases where in_budget"
        ).with_columns(pl.col("queue_date").cast(pl.Date))
        items = log_review_items(
            cases,
            reviews.history(reviews_path),
            window_days=int(spec["window_days"][0]),
            as_of=as_of or dt.date.today(),
        )
        results = pl.concat(
            [results, log_review_results(items, threshold=float(spec["threshold_value"][0]))]
        )
        evidence = pl.concat([evidence, items])
    return ControlData(controls, results, evidence)


def measure_text(value: float | None, control_code: str) -> str:
    """A month's measure as the page and the report print it."""
    if value is None:
        return "—"
    if control_code in ("quarantine_trend",):
        return f"{value * 100:.2f}%"
    if control_code == LOG_REVIEW:
        return f"{value * 100:.1f}%"
    return f"{value:.0f}"


def threshold_text(row: dict) -> str:
    """The threshold in words: '≤ 0', '≥ 90.0%（14日以内）'."""
    sign = "≤" if row["threshold_rule"] == "max" else "≥"
    value = measure_text(row["threshold_value"], row["control_code"])
    days = f"（{row['window_days']}日以内）" if row.get("window_days") is not None else ""
    return f"{sign} {value}{days}"
