"""突合状況: reconciliation status against the JPS result lists, aging, the work list by 受付番号."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

import nenkin_ui as ui

WORKLIST_REASONS = {
    "mismatched": "不一致",
    "returned": "返戻",
    "long_pending": "長期結果待ち",
    "long_unforwarded": "長期未送付",
    "exemption_disagreement": "免除判定の不一致",
    "duplicate_result": "重複結果",
    "unmatched_result": "対応する届出のない結果",
}

ui.require_page("reconciliation")
st.title("突合状況")
ui.require_tables("agg_reconciliation__status_counts", "fct_filing_worklist")
as_of = ui.q("select max(as_of_date) as d from agg_reconciliation__status_counts")["d"][0]
ui.data_date(as_of)
office, ftype = ui.office_and_type_filters("reconciliation")

st.header("突合結果の内訳")
if ftype:
    where, params = "grouping_level = 'cell' and todokede_shubetsu = ?", [ftype]
else:
    where, params = "grouping_level = 'column_total'", []
if office:
    st.caption(
        "突合結果の件数は窓口別には公開していません（全窓口の値です）。作業一覧は窓口で絞り込めます。"
    )
status = ui.q(
    f"select status, rows_count, is_suppressed from agg_reconciliation__status_counts "
    f"where {where} order by status",
    params,
)
status_ja = status.with_columns(
    pl.col("status").replace_strict(ui.STATUS_JA, default=pl.col("status")).alias("状態")
)
shown = status_ja.filter(~pl.col("is_suppressed"))
left, right = st.columns([2, 1])
with left:
    if shown.height:
        chart = (
            alt.Chart(shown.to_pandas())
            .mark_bar()
            .encode(
                y=alt.Y("状態:N", sort="-x", title=None),
                x=alt.X("rows_count:Q", title="件数"),
                tooltip=[alt.Tooltip("状態:N"), alt.Tooltip("rows_count:Q", title="件数")],
            )
        )
        st.altair_chart(chart, width="stretch")
with right:
    st.dataframe(
        ui.counts_text(status_ja, "rows_count").select(
            pl.col("状態"), pl.col("rows_count").alias("件数")
        ),
        hide_index=True,
    )
ui.suppression_note(status["is_suppressed"].sum(), "突合結果の件数のうち", chart=True)

st.header("作業一覧（受付番号別）")
clauses, wparams = ["1 = 1"], []
if office:
    clauses.append("office_code = ?")
    wparams.append(office)
if ftype:
    clauses.append("todokede_shubetsu = ?")
    wparams.append(ftype)
received = ui.q("select min(received_date) as a, max(received_date) as b from fct_filing_worklist")
lo, hi = received["a"][0], received["b"][0]
if lo is not None and lo < hi:
    period = st.sidebar.slider(
        "受付日", min_value=lo, max_value=hi, value=(lo, hi), key="wl-period"
    )
    clauses.append("(received_date is null or received_date between ? and ?)")
    wparams += [period[0], period[1]]
work = ui.q(
    "select uketsuke_no, office_code, todokede_shubetsu, status, reasons, mismatch_fields, "
    "received_date, forwarded_date, days_since_received, days_pending "
    f"from fct_filing_worklist where {' and '.join(clauses)} "
    "order by coalesce(days_pending, days_since_received) desc nulls last, uketsuke_no",
    wparams,
)
reason_filter = st.multiselect(
    "理由で絞り込む",
    list(WORKLIST_REASONS),
    format_func=lambda r: WORKLIST_REASONS[r],
    key="worklist-reasons",
    placeholder="すべての理由",
)
if reason_filter:
    work = work.filter(
        pl.col("reasons").str.split(",").list.eval(pl.element().is_in(reason_filter)).list.any()
    )
AGE_BUCKETS = [(7, "0-7日"), (14, "8-14日"), (30, "15-30日"), (60, "31-60日"), (90, "61-90日")]
age = pl.coalesce("days_pending", "days_since_received")
bucket = pl.when(age.is_null()).then(None)
for upper, label in AGE_BUCKETS:
    bucket = bucket.when(age <= upper).then(pl.lit(label))
aging = work.with_columns(bucket.otherwise(pl.lit("91日以上")).alias("経過"))
if aging.height:
    by_age = aging.group_by("経過").len()
    st.altair_chart(
        alt.Chart(by_age.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("経過:N", title="経過日数", sort=[b for _, b in AGE_BUCKETS] + ["91日以上"]),
            y=alt.Y("len:Q", title="件数"),
            tooltip=[alt.Tooltip("経過:N"), alt.Tooltip("len:Q", title="件数")],
        ),
        width="stretch",
    )
table = work.select(
    pl.col("uketsuke_no").alias("受付番号"),
    pl.col("office_code").alias("窓口"),
    pl.col("todokede_shubetsu").alias("届出種別"),
    pl.col("status").replace_strict(ui.STATUS_JA, default=pl.col("status")).alias("突合状態"),
    pl.col("reasons")
    .str.split(",")
    .list.eval(pl.element().replace_strict(WORKLIST_REASONS, default=pl.element()))
    .list.join("・")
    .alias("理由"),
    pl.col("mismatch_fields").alias("不一致項目"),
    pl.col("received_date").alias("受付日"),
    pl.col("forwarded_date").alias("送付日"),
    pl.col("days_since_received").alias("受付からの日数"),
    pl.col("days_pending").alias("結果待ち日数"),
)
st.caption(f"{table.height} 件")
st.dataframe(table, hide_index=True, width="stretch")
ui.download_csv(table, "作業一覧をCSVで保存", f"worklist_{as_of}.csv", "worklist")
