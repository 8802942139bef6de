"""nenkin-audit dashboards: a Streamlit multipage app (`nenkin-audit serve`).

Every page needs a login (nenkin_ui.authenticate); st.navigation receives only the pages of the
user's roles, so a page outside them is neither shown nor reachable by its URL. Pages read only
the published mart (see nenkin_ui)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import streamlit as st  # noqa: E402

import nenkin_ui as ui  # noqa: E402
from nenkin_audit.users import PAGES  # noqa: E402

st.set_page_config(page_title="国民年金 点検ダッシュボード", layout="wide")
user = ui.authenticate()
pages = [st.Page(f"views/{key}.py", title=PAGES[key], url_path=key) for key in user.pages]
if not pages:
    st.error("この利用者の役割には表示できるページがありません。管理者に連絡してください。")
    st.stop()
navigation = st.navigation(pages)
ui.sidebar(user)
navigation.run()
