"""届出処理状況: throughput, lead times (median, p90) and backlog by age."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

import nenkin_ui as ui

ui.require_page("filings")
st.title("届出処理状況")
ui.require_tables(
    "agg_filings__weekly_throughput", "agg_filings__lead_times", "agg_filings__backlog"
)
as_of = ui.q("select max(as_of_date) as d from agg_filings__backlog")["d"][0]
ui.data_date(as_of)
office, ftype = ui.office_and_type_filters("filings")
where, params = ui.crosstab_filter(office, ftype)

weeks = ui.q(
    "select min(week_start) as a, max(week_start) as b from agg_filings__weekly_throughput"
)
lo, hi = weeks["a"][0], weeks["b"][0]
if lo is not None and lo < hi:
    period = st.sidebar.slider("期間（週の開始日）", min_value=lo, max_value=hi, value=(lo, hi))
else:
    period = (lo, hi)

st.header("週次処理件数")
weekly = ui.q(
    f"select week_start, flow, filings, is_suppressed from agg_filings__weekly_throughput "
    f"where {where} and week_start between ? and ? order by week_start, flow",
    [*params, period[0], period[1]],
).with_columns(pl.col("flow").replace_strict(ui.FLOW_JA, default=pl.col("flow")).alias("区分"))
shown = weekly.filter(~pl.col("is_suppressed"))
if shown.height:
    chart = (
        alt.Chart(shown.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X("week_start:T", title="週（開始日）", axis=alt.Axis(format="%m/%d")),
            y=alt.Y("filings:Q", title="件数"),
            color=alt.Color("区分:N", title="区分", sort=list(ui.FLOW_JA.values())),
            tooltip=[
                alt.Tooltip("week_start:T", title="週", format="%Y-%m-%d"),
                alt.Tooltip("区分:N"),
                alt.Tooltip("filings:Q", title="件数"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")
else:
    st.info("この条件で表示できる週次件数はありません。")
ui.suppression_note(weekly["is_suppressed"].sum(), "週次件数のうち", chart=True)
withheld = weekly.filter(pl.col("is_suppressed"))
if withheld.height:
    st.caption(
        "秘匿した週: "
        + "、".join(
            f"{w:%m/%d}週の{f}" for w, f in withheld.select("week_start", "区分").iter_rows()
        )
    )

st.header("処理日数（中央値・90パーセンタイル）")
lead_names = {"received_to_forwarded": "受付→送付", "forwarded_to_result": "送付→結果受領"}
lead = ui.q(
    f"select period_month, lead_time, filings, median_days, p90_days, is_suppressed "
    f"from agg_filings__lead_times where {where} order by period_month, lead_time",
    params,
).with_columns(pl.col("lead_time").replace_strict(lead_names, default=pl.col("lead_time")))
table = lead.select(
    pl.col("period_month").cast(pl.String).str.slice(0, 7).alias("月"),
    pl.col("lead_time").alias("区間"),
    pl.when(pl.col("is_suppressed"))
    .then(pl.lit(ui.SUPPRESSED))
    .otherwise(pl.col("filings").cast(pl.String))
    .alias("件数"),
    pl.when(pl.col("is_suppressed"))
    .then(None)
    .otherwise(pl.col("median_days"))
    .alias("中央値（日）"),
    pl.when(pl.col("is_suppressed")).then(None).otherwise(pl.col("p90_days")).alias("90%（日）"),
)
st.dataframe(table, hide_index=True, width="stretch")
ui.suppression_note(lead["is_suppressed"].sum(), "処理日数の行のうち")

st.header("滞留（経過日数別）")
if ftype:
    st.caption("滞留は届出種別では分けずに公開しています（窓口別・経過日数別のみ）。")
if office:
    bwhere, bparams = "grouping_level = 'cell' and office_code = ?", [office]
else:
    bwhere, bparams = "grouping_level = 'column_total'", []
backlog = ui.q(
    f"select backlog_kind, aging_bucket, filings, is_suppressed from agg_filings__backlog "
    f"where {bwhere} order by backlog_kind, aging_bucket",
    bparams,
)
if backlog.height:
    st.dataframe(
        ui.counts_text(backlog, "filings").select(
            pl.col("backlog_kind")
            .replace_strict(ui.BACKLOG_JA, default=pl.col("backlog_kind"))
            .alias("滞留の種類"),
            pl.col("aging_bucket").alias("経過日数"),
            pl.col("filings").alias("件数"),
        ),
        hide_index=True,
    )
    ui.suppression_note(backlog["is_suppressed"].sum(), "滞留件数のうち")
else:
    st.info("滞留している届出はありません。")
