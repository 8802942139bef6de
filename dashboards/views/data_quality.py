"""データ品質: how much of the access log the audit can explain (by office and day), the
explanation templates, the load ledger, quarantine by reason and file, and source freshness."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

import nenkin_ui as ui

ui.require_page("data_quality")
st.title("データ品質")
ui.require_tables("agg_access__explained_share", "agg_access__explanation_templates")
present = ui.mart().tables()
share = ui.q(
    "select s.access_date, s.dept_code, coalesce(o.office_name, s.dept_code) as office_name, "
    "s.log_lines, s.subject_lines, s.explained_lines, s.explained_share "
    "from agg_access__explained_share s left join dim_offices o on o.office_code = s.dept_code "
    "order by s.access_date, s.dept_code"
)
ui.data_date(share["access_date"].max() if share.height else None, "アクセスログの最新日")

st.header("業務上の説明が見つかった割合（部署別・日別）")
st.caption(
    "個人の記録を開いたログ行のうち、業務上の理由（届出・申請・処理結果・最近の取扱い・一覧検索など）が見つかった割合です。"
)
if share.height:
    lo, hi = share["access_date"].min(), share["access_date"].max()
    if lo < hi:
        period = st.sidebar.slider(
            "期間", min_value=lo, max_value=hi, value=(lo, hi), key="dq-period"
        )
        share = share.filter(pl.col("access_date").is_between(period[0], period[1]))
    by_office = (
        share.group_by("office_name")
        .agg(pl.col("subject_lines").sum(), pl.col("explained_lines").sum())
        .filter(pl.col("subject_lines") > 0)
        .with_columns((pl.col("explained_lines") / pl.col("subject_lines")).alias("説明率"))
        .sort("office_name")
    )
    offices = st.multiselect(
        "部署",
        by_office["office_name"].to_list(),
        default=by_office["office_name"].to_list()[:3],
        key="dq-offices",
    )
    daily = share.filter(
        pl.col("office_name").is_in(offices) & pl.col("explained_share").is_not_null()
    )
    st.altair_chart(
        alt.Chart(daily.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X("access_date:T", title="日付", axis=alt.Axis(format="%m/%d")),
            y=alt.Y(
                "explained_share:Q",
                title="説明率",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("office_name:N", title="部署"),
            tooltip=[
                alt.Tooltip("access_date:T", title="日付", format="%Y-%m-%d"),
                alt.Tooltip("office_name:N", title="部署"),
                alt.Tooltip("subject_lines:Q", title="個人の記録を開いた行"),
                alt.Tooltip("explained_lines:Q", title="説明のある行"),
                alt.Tooltip("explained_share:Q", title="説明率", format=".1%"),
            ],
        ),
        width="stretch",
    )
    st.dataframe(
        by_office.select(
            pl.col("office_name").alias("部署"),
            pl.col("subject_lines").alias("個人の記録を開いた行"),
            pl.col("explained_lines").alias("説明のある行"),
            (pl.col("説明率") * 100).round(1).alias("説明率（%）"),
        ),
        hide_index=True,
    )

st.header("説明テンプレート")
templates = ui.q("select * from agg_access__explanation_templates order by template_order")
st.dataframe(
    templates.select(
        pl.col("template_code")
        .replace_strict(ui.TEMPLATE_JA, default=pl.col("template_code"))
        .alias("テンプレート"),
        (pl.col("line_support") * 100).round(1).alias("成立する行（%）"),
        (pl.col("chance_rate") * 100).round(2).alias("偶然の成立率（%）"),
        pl.col("lift").round(1).alias("倍率"),
        pl.col("explained_lines").alias("説明した行"),
        pl.when(pl.col("is_kept"))
        .then(pl.lit("採用"))
        .otherwise(pl.lit("不採用（偶然と区別できない）"))
        .alias("採否"),
    ),
    hide_index=True,
    width="stretch",
)

st.header("取込台帳と鮮度")
if "agg_load__files" in present:
    files = ui.q("select * from agg_load__files order by extract, status")
    st.dataframe(
        files.select(
            pl.col("extract").alias("抽出ファイル"),
            pl.col("status")
            .replace_strict(ui.LEDGER_STATUS_JA, default=pl.col("status"))
            .alias("状態"),
            pl.col("files").alias("ファイル数"),
            pl.col("data_rows").alias("件数（トレーラ）"),
            pl.col("loaded_rows").alias("取込件数"),
            pl.col("latest_extract_date").alias("最新の抽出日"),
            pl.col("latest_loaded_at").dt.strftime("%Y-%m-%d %H:%M").alias("最終取込"),
        ),
        hide_index=True,
        width="stretch",
    )
    rejected = files.filter(pl.col("status") == "rejected")["files"].sum()
    if rejected:
        st.warning(
            f"拒否されたファイルが {rejected} 件あります（理由は受信フォルダの _rejected と台帳にあります）。"
        )
else:
    st.info(
        "取込台帳の集計はこの公開マートにまだありません。最新版で `nenkin-audit run` を実行してください。"
    )

st.header("隔離された行（理由別・ファイル別）")
if "agg_load__quarantine" in present:
    quarantine = ui.q(
        "select * from agg_load__quarantine order by quarantined_rows desc, file_name"
    )
    if quarantine.height:
        st.dataframe(
            quarantine.rename(
                {
                    "extract": "抽出ファイル",
                    "file_name": "ファイル",
                    "reject_reason": "理由",
                    "quarantined_rows": "行数",
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.success("隔離された行はありません。")
