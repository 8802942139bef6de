"""点検記録: the review decisions and their coverage (share of the budget's cases decided within
N days of their queue day, by month): the figure of the annual 自己点検. Read-only."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

import nenkin_ui as ui
from nenkin_audit import reviews

ui.require_page("review_record")
st.title("点検記録")
ui.require_tables("fct_access_cases")
cases = ui.q(
    "select case_id, queue_date, case_label_ja, staff_id, risk_score "
    "from fct_access_cases where in_budget"
)
ui.data_date(cases["queue_date"].max() if cases.height else None, "点検対象の最新日")
history = reviews.history(ui.home().reviews)
n_days = st.sidebar.number_input(
    "判断までの日数（N）", min_value=1, max_value=90, value=14, key="n-days"
)

first = history.group_by("case_id").agg(pl.col("decided_at").min().alias("first_decided_at"))
latest = reviews.current(ui.home().reviews).select("case_id", "disposition")
cov = (
    cases.join(first, on="case_id", how="left")
    .join(latest, on="case_id", how="left")
    .with_columns(
        pl.col("queue_date").dt.strftime("%Y-%m").alias("月"),
        (pl.col("first_decided_at").dt.date() - pl.col("queue_date")).dt.total_days().alias("days"),
    )
)
monthly = (
    cov.group_by("月")
    .agg(
        pl.len().alias("ケース数"),
        pl.col("first_decided_at").is_not_null().sum().alias("判断済み"),
        (pl.col("days") <= n_days).sum().alias(f"{n_days}日以内に判断"),
    )
    .sort("月")
    .with_columns((pl.col(f"{n_days}日以内に判断") / pl.col("ケース数")).alias("実施率"))
)
st.header(f"点検の実施状況（{n_days} 日以内に判断した割合、月別）")
st.caption(
    f"予算内のケースのうち、点検日から {n_days} 日以内に最初の判断が記録された割合です"
    "（年次の自己点検で報告する数値）。"
)
if monthly.height:
    st.altair_chart(
        alt.Chart(monthly.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("月:N", title="月", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "実施率:Q",
                title="実施率",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("月:N"),
                alt.Tooltip("ケース数:Q"),
                alt.Tooltip(f"{n_days}日以内に判断:Q"),
                alt.Tooltip("実施率:Q", format=".0%"),
            ],
        ),
        width="stretch",
    )
    st.dataframe(
        monthly.with_columns((pl.col("実施率") * 100).round(1).alias("実施率（%）")).drop("実施率"),
        hide_index=True,
    )
    ui.download_csv(monthly, "月別の実施状況をCSVで保存", "review_coverage.csv", "review_coverage")
else:
    st.info("点検の対象になったケースはまだありません。")

st.header("判断の一覧（訂正を含む全履歴）")
if history.height:
    table = history.join(cases, on="case_id", how="left").select(
        pl.col("decided_at").dt.strftime("%Y-%m-%d %H:%M").alias("日時"),
        pl.col("case_id").alias("ケース"),
        pl.col("queue_date").alias("点検日"),
        pl.col("case_label_ja").alias("主な理由"),
        pl.col("disposition").alias("判断"),
        pl.col("reason").alias("理由"),
        pl.col("reviewer").alias("判断者"),
    )
    cols = st.columns(len(reviews.DISPOSITIONS))
    current = (
        dict(
            zip(
                latest["disposition"].value_counts()["disposition"],
                latest["disposition"].value_counts()["count"],
                strict=True,
            )
        )
        if latest.height
        else {}
    )
    for col, d in zip(cols, reviews.DISPOSITIONS, strict=True):
        col.metric(d, current.get(d, 0))
    st.dataframe(table, hide_index=True, width="stretch")
    ui.download_csv(table, "判断の一覧をCSVで保存", "review_decisions.csv", "review_decisions")
else:
    st.info("まだ判断は記録されていません（アクセス点検のページで記録します）。")
