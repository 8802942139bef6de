"""nenkin-audit dashboards (first page set): filing throughput and reconciliation state.

Reads ONLY the published mart (`nenkin_audit.publish.open_published`), never the warehouse."""

from __future__ import annotations

import streamlit as st

from nenkin_audit.home import Home
from nenkin_audit.publish import open_published

st.set_page_config(page_title="nenkin-audit", layout="wide")


@st.cache_resource
def _connection():
    return open_published(Home.resolve())


def _table_names(con) -> set[str]:
    return {r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()}


con = _connection()
tables = _table_names(con)
st.title("国民年金 届出・突合状況")
st.caption("Published mart only: pseudonymised, small counts suppressed.")

if "fct_reconciliation" in tables:
    st.header("突合状況 (reconciliation against JPS result lists)")
    status = con.sql(
        "select status, count(*) as rows from fct_reconciliation group by status order by status"
    ).pl()
    st.dataframe(status, hide_index=True)
else:
    st.info("fct_reconciliation is not published yet.")

weekly = next((t for t in sorted(tables) if t.startswith("agg_") and "week" in t), None)
if weekly:
    st.header("週次処理件数 (weekly throughput)")
    st.dataframe(con.sql(f'select * from "{weekly}" limit 500').pl(), hide_index=True)
