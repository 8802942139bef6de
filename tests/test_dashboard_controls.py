"""The 自己点検 page on the session city's published mart, behind the real login: managers and
auditors see every control's state by month and drill down to the evidence; reviewers do not get
the page."""

from __future__ import annotations

import pytest

from .test_dashboard import dash_home, env, known_pages, login  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("env")]

CONTROL_NAMES = {
    "退職・転出時のアクセス権限の速やかな削除",
    "提供・移転の承認どおりの実施",
    "日本年金機構への週次進達",
    "アクセスログの定期的な点検",
    "個人番号表示は権限を持つ職員のみ",
    "委託先アカウントは許可された時間帯・機能のみ",
    "個人番号の桁数・検査数字",
    "隔離行の推移",
    "住基の死亡・転出が年金記録に反映されているか",
}


@pytest.mark.parametrize("name", ["mgr", "aud"])
def test_managers_and_auditors_see_every_control_by_month(name: str) -> None:
    at = login(name)
    assert "controls" in known_pages(at)
    at.switch_page("views/controls.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "自己点検"
    summary = at.dataframe[0].value
    assert set(summary["点検項目"]) == CONTROL_NAMES
    assert set(summary["期間の結果"]) <= {"適合", "要対応", "対象なし"}
    assert "要対応" in set(summary["期間の結果"])  # the city has injected breaches
    grid = at.dataframe[1].value
    assert set(grid["点検項目"]) == CONTROL_NAMES
    months = [c for c in grid.columns if c != "点検項目"]
    assert months and all(len(m) == 7 and m[4] == "-" for m in months)


def test_drill_down_shows_the_evidence_in_japanese_without_persons() -> None:
    at = login("aud")
    at.switch_page("views/controls.py").run()
    at.selectbox(key="controls-drill").set_value("contractor_scope").run()
    assert not at.exception, at.exception
    evidence = at.dataframe[-1].value
    assert list(evidence.columns) == [
        "月",
        "日付",
        "判定",
        "理由",
        "職員ID",
        "ログID",
        "記録ID",
        "内容",
    ]
    assert len(evidence) > 0 and set(evidence["判定"]) == {"例外"}
    assert set(evidence["理由"]) == {"許可外の機能"}
    at.selectbox(key="controls-drill").set_value("provision_approved").run()
    at.checkbox(key="controls-only-exceptions").uncheck().run()
    everything = at.dataframe[-1].value
    assert {"例外", "適合"} <= set(everything["判定"])  # ok records are evidence too
    assert not any(c.endswith("pid") for c in everything.columns)


def test_reviewers_do_not_get_the_page() -> None:
    at = login("rev")
    assert "controls" not in known_pages(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/controls.py")
