"""自己点検: whether the office keeps its own PIA, control by control and month by month, with
drill-down to the evidence (pseudonymised: staff ids, log ids, record ids, counts). Roles manager
and auditor. Read-only; the same figures as `nenkin-audit report`."""

from __future__ import annotations

import polars as pl
import streamlit as st

import nenkin_ui as ui
from nenkin_audit import controls as ctl

ui.require_page("controls")
st.title("自己点検")
st.caption("特定個人情報保護評価（PIA）で約束した管理が守られているかを、月ごとに確認します。")
ui.require_tables(*ctl.CONTROL_TABLES, "fct_access_cases")
data = ctl.load(ui.q, ui.home().reviews)
months = sorted(data.results["period_month"].unique().to_list())
if not months:
    st.info("点検結果はまだありません。`nenkin-audit run` の後に表示されます。")
    st.stop()
ui.data_date(f"{months[-1]:%Y-%m}", "最新の点検月")

first, last = st.select_slider(
    "対象月",
    options=months,
    value=(months[max(0, len(months) - 6)], months[-1]),
    format_func=lambda m: f"{m:%Y-%m}",
    key="controls-months",
)
period = data.in_period(first, last)
names = dict(zip(data.controls["control_code"], data.controls["control_name_ja"], strict=True))

st.header("点検項目ごとの結果")
summary = period.summary()
exceptions = summary.filter(pl.col("period_state") == "exception").height
cols = st.columns(3)
cols[0].metric("点検項目", summary.height)
cols[1].metric("要対応の項目", exceptions)
cols[2].metric("例外の件数", int(summary["exceptions"].sum()))
st.dataframe(
    summary.select(
        pl.col("control_name_ja").alias("点検項目"),
        pl.col("pia_section").alias("PIA"),
        pl.struct("threshold_rule", "threshold_value", "control_code", "window_days")
        .map_elements(ctl.threshold_text, return_dtype=pl.String)
        .alias("基準"),
        pl.col("exception_months").alias("例外のあった月数"),
        pl.col("exceptions").alias("例外件数"),
        pl.col("period_state").replace_strict(ctl.STATE_JA).alias("期間の結果"),
    ),
    hide_index=True,
    width="stretch",
)

st.header("月別の状態")
grid = (
    period.results.with_columns(
        pl.col("control_code").replace_strict(names).alias("点検項目"),
        pl.col("period_month").dt.strftime("%Y-%m").alias("月"),
        pl.col("state").replace_strict(ctl.STATE_JA).alias("結果"),
    )
    .pivot(on="月", index="点検項目", values="結果", sort_columns=True)
    .fill_null("—")
)
order = {n: i for i, n in enumerate(summary["control_name_ja"])}
st.dataframe(
    grid.sort(pl.col("点検項目").replace_strict(order, default=99)),
    hide_index=True,
    width="stretch",
)
st.caption(
    "適合: 基準を満たした月。要対応: 基準を超える例外があった月。対象なし: 判定する対象がない月。"
)

st.header("証跡")
code = st.selectbox(
    "点検項目",
    options=summary["control_code"].to_list(),
    format_func=lambda c: names[c],
    key="controls-drill",
)
spec = summary.filter(pl.col("control_code") == code).to_dicts()[0]
st.markdown(
    f"**{ui.md_escape(spec['control_name_ja'])}**（{ui.md_escape(spec['pia_section'])}）  \n"
    f"測定: {ui.md_escape(spec['measure_ja'])} ／ 基準: {ui.md_escape(ctl.threshold_text(spec))}"
)
st.caption(f"判定方法: {spec['method_ja']}")
trend = period.results.filter(pl.col("control_code") == code).sort("period_month")
st.dataframe(
    trend.select(
        pl.col("period_month").dt.strftime("%Y-%m").alias("月"),
        pl.col("items_judged").alias("判定対象"),
        pl.col("items_exception").alias("例外"),
        pl.col("measure_value")
        .map_elements(lambda v: ctl.measure_text(v, code), return_dtype=pl.String)
        .alias("測定値"),
        pl.col("state").replace_strict(ctl.STATE_JA).alias("結果"),
    ),
    hide_index=True,
)
only_exceptions = st.checkbox("例外のみ表示", value=True, key="controls-only-exceptions")
evidence = period.evidence.filter(pl.col("control_code") == code)
if only_exceptions:
    evidence = evidence.filter(pl.col("is_exception"))
table = evidence.sort("item_date", "item_id").select(
    pl.col("period_month").dt.strftime("%Y-%m").alias("月"),
    pl.col("item_date").alias("日付"),
    pl.col("is_exception").replace_strict({True: "例外", False: "適合"}).alias("判定"),
    pl.col("rule_code").replace_strict(ctl.RULE_JA, default=pl.col("rule_code")).alias("理由"),
    pl.col("staff_id").alias("職員ID"),
    pl.col("log_id").alias("ログID"),
    pl.col("record_id").alias("記録ID"),
    pl.col("detail_ja").alias("内容"),
)
st.subheader(f"証跡 {table.height} 件")
if table.height:
    st.dataframe(table, hide_index=True, width="stretch")
    ui.download_csv(table, "証跡をCSVで保存", f"controls_{code}.csv", f"controls_{code}")
else:
    st.info("この期間に該当する証跡はありません。")
st.caption(
    "個人は表示しません（職員ID・ログID・記録ID・件数のみ）。ログの対象者は点検担当が"
    "アクセス点検の仮名で確認します。アクセスログの点検（log_review）は点検記録から算出します。"
)
