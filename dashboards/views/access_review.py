"""アクセス点検: the day's case queue within the review budget, each case's evidence, and the
reviewer's decision (appended to <home>/reviews.duckdb). Subjects appear only as pseudonyms."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import polars as pl
import streamlit as st

import nenkin_ui as ui
from nenkin_audit import reviews
from nenkin_audit.errors import UserError

user = ui.require_page("access_review")
st.title("アクセス点検")
ui.require_tables("fct_access_cases", "fct_access_flags", "dim_access_signals", "fct_access_events")
days = ui.q("select distinct queue_date from fct_access_cases where in_budget order by 1 desc")
latest = days["queue_date"][0] if days.height else None
ui.data_date(latest, "点検対象の最新日")
if latest is None:
    st.info("点検の対象になったケースはまだありません。")
    st.stop()

signals = ui.q("select signal_code, label_ja from dim_access_signals")
signal_ja = dict(zip(signals["signal_code"], signals["label_ja"], strict=True))
queue_date = st.sidebar.selectbox("点検日", days["queue_date"].to_list(), key="queue-date")

cases = ui.q(
    "select * from fct_access_cases where in_budget and queue_date = ? order by queue_rank",
    [queue_date],
)
decided = reviews.current(ui.home().reviews)
cases = cases.join(
    decided.select(
        "case_id", pl.col("disposition").alias("判断"), pl.col("reviewer").alias("判断者")
    ),
    on="case_id",
    how="left",
)


def reasons_ja(codes: str) -> str:
    return "、".join(signal_ja.get(c, c) for c in codes.split(",") if c)


st.header(f"{queue_date} の点検ケース（{cases.height} 件・予算内）")
queue = cases.select(
    pl.col("queue_rank").alias("順位"),
    pl.col("case_id").alias("ケース"),
    pl.col("risk_score").round(3).alias("リスクスコア"),
    pl.col("case_label_ja").alias("主な理由"),
    pl.col("case_scope").replace_strict(ui.SCOPE_JA, default=pl.col("case_scope")).alias("単位"),
    pl.col("explanation_state")
    .replace_strict(ui.EXPLANATION_JA, default=pl.col("explanation_state"))
    .alias("業務上の説明"),
    pl.col("staff_id").fill_null("（複数）").alias("職員"),
    pl.col("subject_pid").fill_null("—").alias("対象者（仮名）"),
    pl.col("line_count").alias("ログ行数"),
    pl.col("判断").fill_null("未判断"),
)
st.dataframe(queue, hide_index=True, width="stretch")
ui.download_csv(queue, "ケース一覧をCSVで保存", f"access_cases_{queue_date}.csv", "access_cases")

case_id = st.selectbox(
    "ケースを開く",
    cases["case_id"].to_list(),
    format_func=lambda c: f"{c}  {cases.filter(pl.col('case_id') == c)['case_label_ja'][0]}",
    key="case-select",
)
case = cases.filter(pl.col("case_id") == case_id).row(0, named=True)

st.subheader(f"ケース {case_id}")
c1, c2, c3 = st.columns(3)
c1.metric("リスクスコア", f"{case['risk_score']:.3f}")
c2.metric("ログ行数", case["line_count"])
c3.metric("説明のある行", case["explained_lines"])
st.markdown(
    f"**単位** {ui.ja(case['case_scope'], ui.SCOPE_JA)}　**期間** {case['period_from']}〜"
    f"{case['period_to']}　**職員** {case['staff_id'] or '（複数）'}　"
    f"**対象者（仮名）** {case['subject_pid'] or '（複数）'}"
)
st.markdown("**理由**（強い順）")
for code in case["reasons"].split(","):
    st.markdown(f"- {signal_ja.get(code, code)}（`{code}`）")
state = ui.ja(case["explanation_state"], ui.EXPLANATION_JA)
if case["explanation_state"] == "unexplained":
    st.warning(f"業務上の説明: {state}（このケースのどの行にも業務上の理由が見つかりません）")
else:
    st.info(f"業務上の説明: {state}（{case['explained_lines']} / {case['line_count']} 行）")
if case["departure_lag_days"] is not None:
    st.error(f"退職・転出・休職の {case['departure_lag_days']} 日後の利用です。")

lines = ui.q("select * from fct_access_flags where case_id = ? order by accessed_at", [case_id])
staff_id = case["staff_id"]
if staff_id:
    st.markdown("**この職員のふだん（過去28日）とこの日**")
    base = ui.q(
        "select access_date, count(distinct subject_pid) as persons, "
        "count(distinct subject_pid) filter (where explanation is null) as unexplained "
        "from fct_access_events where staff_id = ? and access_date between ? and ? "
        "group by access_date order by access_date",
        [staff_id, case["period_to"] - timedelta(days=28), case["period_to"]],
    ).with_columns((pl.col("access_date") == case["period_to"]).alias("この日"))
    if base.height:
        before = base.filter(~pl.col("この日"))
        day = base.filter(pl.col("この日"))
        b1, b2 = st.columns(2)
        b1.metric(
            "理由のない照会人数（この日）",
            int(day["unexplained"].sum()) if day.height else 0,
            delta=None,
        )
        b2.metric(
            "同（過去28日の1日平均）",
            f"{before['unexplained'].mean():.1f}" if before.height else "—",
        )
        st.altair_chart(
            alt.Chart(base.to_pandas())
            .mark_bar()
            .encode(
                x=alt.X("access_date:T", title="日付", axis=alt.Axis(format="%m/%d")),
                y=alt.Y("unexplained:Q", title="理由のない照会人数"),
                color=alt.Color(
                    "この日:N",
                    scale=alt.Scale(domain=[False, True], range=["#9ab", "#d62728"]),
                    legend=None,
                ),
                tooltip=[
                    alt.Tooltip("access_date:T", title="日付", format="%Y-%m-%d"),
                    alt.Tooltip("persons:Q", title="照会人数"),
                    alt.Tooltip("unexplained:Q", title="理由のない照会人数"),
                ],
            ),
            width="stretch",
        )

subjects = [s for s in lines["subject_pid"].unique().to_list() if s]
if staff_id and subjects:
    st.markdown("**関連アクセス**（同じ職員・同じ対象者、過去90日）")
    related = ui.q(
        "select subject_pid, count(*) as lines, count(distinct access_date) as days, "
        "count(*) filter (where explanation is not null) as explained, "
        "strftime(min(access_date), '%Y-%m-%d') as first_day, "
        "strftime(max(access_date), '%Y-%m-%d') as last_day "
        "from fct_access_events where staff_id = ? and subject_pid in "
        f"({', '.join('?' for _ in subjects)}) and access_date between ? and ? "
        "group by subject_pid order by lines desc",
        [staff_id, *subjects, case["period_to"] - timedelta(days=90), case["period_to"]],
    )
    st.dataframe(
        related.rename(
            {
                "subject_pid": "対象者（仮名）",
                "lines": "行数",
                "days": "日数",
                "explained": "説明のある行",
                "first_day": "最初",
                "last_day": "最後",
            }
        ),
        hide_index=True,
        width="stretch",
    )

flags = {
    "is_own_record": "本人",
    "is_own_household": "同一世帯",
    "is_neighbour": "同じ街区の住民",
    "subject_is_protected": "支援措置対象者",
    "is_subject_out_of_area": "担当区域外",
}
counts = {label: int(lines[col].fill_null(False).sum()) for col, label in flags.items()}
st.markdown(
    "**関係フラグ**: " + "、".join(f"{label} {n} 行" for label, n in counts.items() if n)
    if any(counts.values())
    else "**関係フラグ**: なし"
)

st.markdown(f"**この職員のケースの行**（{lines.height} 行）")
st.dataframe(
    lines.select(
        pl.col("accessed_at").dt.strftime("%Y-%m-%d %H:%M").alias("日時"),
        pl.col("staff_id").alias("職員"),
        pl.col("dept_code").alias("部署"),
        pl.col("terminal_id").alias("端末"),
        pl.col("operation")
        .replace_strict(ui.code_names("code_operations"), default=pl.col("operation"))
        .alias("操作"),
        pl.col("shori_jiyu")
        .replace_strict(ui.code_names("code_shori_jiyu"), default=pl.col("shori_jiyu"))
        .alias("処理事由"),
        pl.col("subject_pid").alias("対象者（仮名）"),
        pl.col("hit_count").cast(pl.String).fill_null("").alias("検索件数"),
        pl.col("explanation")
        .replace_strict(ui.TEMPLATE_JA, default=pl.col("explanation"))
        .fill_null("なし")
        .alias("業務上の説明"),
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("点検の判断")
if msg := st.session_state.pop("decision-saved", None):
    st.success(msg)
history = reviews.history(ui.home().reviews, [case_id])
if history.height:
    st.markdown("**判断の履歴**（古い順）")
    for row in history.iter_rows(named=True):
        st.markdown(
            f"- {row['decided_at']:%Y-%m-%d %H:%M}　**{row['disposition']}**　"
            f"{ui.md_escape(row['reason'])}（{ui.md_escape(row['reviewer'])}）"
        )
    st.caption("判断は追記のみです。訂正は新しい判断として記録され、履歴は残ります。")
with st.form(f"decision-{case_id}", clear_on_submit=True):
    disposition = st.radio("判断", reviews.DISPOSITIONS, horizontal=True, key="disposition")
    reason = st.text_area("理由（確認した内容）", key="decision-reason")
    if st.form_submit_button("判断を記録"):
        try:
            reviews.record(ui.home().reviews, case_id, disposition, reason, user.name)
        except UserError as exc:
            st.error(str(exc))
        else:
            st.session_state["decision-saved"] = f"{case_id} に「{disposition}」を記録しました。"
            st.rerun()
