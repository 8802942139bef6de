"""nenkin-audit dashboards, first page: filing throughput and reconciliation against JPS results.

Reads ONLY the published mart through `nenkin_audit.publish.open_published` (read-only, no other
file reachable), never the warehouse. Suppressed aggregate values (small person counts and their
complementary cells) are shown as "—". Login, roles and the access-review pages come with the
access-log review work."""

from __future__ import annotations

import threading

import polars as pl
import streamlit as st

from nenkin_audit.errors import UserError
from nenkin_audit.home import Home
from nenkin_audit.publish import open_published
from nenkin_audit.safe_text import neutralise_frame

SUPPRESSED = "—"


@st.cache_resource
def _connection(home_root: str):
    # Streamlit runs sessions on several threads; one connection, one query at a time.
    return open_published(Home.resolve(home_root)), threading.Lock()


def _query(sql: str) -> pl.DataFrame:
    con, lock = _connection(str(Home.resolve().root))
    with lock:
        # Text shown (and downloadable as CSV) never starts a spreadsheet formula.
        return neutralise_frame(con.sql(sql).pl())


def _show_counts(df: pl.DataFrame, value: str) -> pl.DataFrame:
    """Counts as text, suppressed values as a dash (never a number that was withheld)."""
    return df.with_columns(
        pl.when(pl.col("is_suppressed"))
        .then(pl.lit(SUPPRESSED))
        .otherwise(pl.col(value).cast(pl.String))
        .alias(value)
    ).drop("is_suppressed")


st.set_page_config(page_title="nenkin-audit: 届出・突合状況", layout="wide")
st.title("国民年金 届出・突合状況")
try:
    _connection(str(Home.resolve().root))
except UserError as exc:
    st.error(str(exc))
    st.stop()
as_of = _query("select max(as_of_date) as d from agg_reconciliation__status_counts")["d"][0]
st.caption(
    f"データ基準日 {as_of} · published mart only: pseudonymised; counts below the suppression "
    f"threshold and their complementary cells are shown as {SUPPRESSED}"
)

st.header("突合状況 (reconciliation status)")
status = _query(
    "select status, rows_count, is_suppressed from agg_reconciliation__status_counts "
    "where grouping_level = 'column_total' order by status"
)
st.dataframe(_show_counts(status, "rows_count"), hide_index=True)

st.header("週次処理件数 (weekly throughput, whole city)")
weekly = _query(
    "select week_start, flow, filings from agg_filings__weekly_throughput "
    "where grouping_level = 'grand_total' and not is_suppressed order by week_start, flow"
)
if weekly.height:
    st.line_chart(weekly.pivot(on="flow", index="week_start", values="filings"), x="week_start")

st.header("滞留 (backlog by age)")
backlog = _query(
    "select backlog_kind, aging_bucket, filings, is_suppressed from agg_filings__backlog "
    "where grouping_level = 'column_total' order by backlog_kind, aging_bucket"
)
st.dataframe(_show_counts(backlog, "filings"), hide_index=True)
