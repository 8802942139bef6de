"""実行状況: the last runs of `nenkin-audit run`, their outcome, dbt tests and step durations
(from the run record `<home>/logs/runs.jsonl`)."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

import nenkin_ui as ui
from nenkin_audit.runlog import read_runs

OUTCOME_JA = {
    "published": "公開済み",
    "build_failed": "失敗（前回の公開を維持）",
    "error": "エラー（前回の公開を維持）",
    "running": "実行中",
    "nothing_to_publish": "取込データなし（公開なし）",
    "stale_stop": "鮮度不足で停止（前回の公開を維持）",
    "busy": "他の実行中のため見送り",
    "interrupted": "中断（前回の公開を維持）",
}
TEST_JA = {
    "pass": "合格",
    "fail": "不合格",
    "warn": "警告",
    "error": "エラー",
    "skipped": "スキップ",
}

ui.require_page("runs")
st.title("実行状況")
runs = read_runs(ui.home())
ui.data_date(str(runs[0]["finished_at"]).replace("T", " ") if runs else None, "最終実行")
if not runs:
    st.info(
        "実行記録がまだありません。`nenkin-audit run --inbox 受信フォルダ` を実行すると記録されます。"
    )
    st.stop()
table = pl.DataFrame(
    [
        {
            "開始": r["started_at"].replace("T", " "),
            "終了": (r.get("finished_at") or "").replace("T", " "),
            "結果": OUTCOME_JA.get(str(r["outcome"]), str(r["outcome"])),
            "テスト": "、".join(
                f"{TEST_JA.get(k, k)} {v}" for k, v in sorted(r.get("tests", {}).items())
            ),
            "所要（秒）": round(sum(float(s["seconds"]) for s in r.get("steps", [])), 1),
        }
        for r in runs
    ]
)
st.header("最近の実行")
st.dataframe(table, hide_index=True, width="stretch")
last = runs[0]
st.header("直近の実行の手順別所要時間")
steps = pl.DataFrame(last.get("steps") or [], schema={"step": pl.String, "seconds": pl.Float64})
STEP_JA = {
    "load": "取込",
    "source freshness": "データ鮮度の確認",
    "dbt build (seeds, models, tests)": "構築とテスト",
    "score the access log (baselines, model, cases)": "アクセスログの採点",
    "dbt build of the scored models and their tests": "採点結果の構築とテスト",
    "publish": "公開",
}
chart_data = steps.with_columns(
    pl.col("step").replace_strict(STEP_JA, default=pl.col("step")).alias("手順")
)
st.altair_chart(
    alt.Chart(chart_data.to_pandas())
    .mark_bar()
    .encode(
        y=alt.Y("手順:N", sort=None, title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("seconds:Q", title="秒"),
        tooltip=[alt.Tooltip("手順:N"), alt.Tooltip("seconds:Q", title="秒", format=".1f")],
    ),
    width="stretch",
)
