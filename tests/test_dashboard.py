"""The dashboards: every page for every role on a real published mart, behind a real login
(users created with the real `nenkin-audit user add`), decisions in a real reviews file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from .conftest import REPO, BuiltCity

APP = REPO / "dashboards" / "app.py"
PASSWORDS = {
    "mgr": ("manager", "Kanri-2026-Secure!"),
    "rev": ("reviewer", "Tenken-2026-Secure!"),
    "aud": ("auditor", "Kansa-2026-Secure!"),
}
#: page key -> its Japanese title, per role (the README's role table)
ROLE_PAGES = {
    "manager": {
        "filings": "届出処理状況",
        "reconciliation": "突合状況",
        "data_quality": "データ品質",
        "runs": "実行状況",
        "controls": "自己点検",
    },
    "reviewer": {
        "access_review": "アクセス点検",
        "review_record": "点検記録",
        "data_quality": "データ品質",
    },
    "auditor": {"review_record": "点検記録", "controls": "自己点検"},
}
ALL_PAGES = {k: v for pages in ROLE_PAGES.values() for k, v in pages.items()}

pytestmark = pytest.mark.slow


def user_cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("nenkin-audit")), "user", *args, "--home", str(home)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "NENKIN_AUDIT_USERS_FILE"},
    )


@dataclass(frozen=True)
class DashHome:
    home: Path


@pytest.fixture(scope="module")
def dash_home(built_city: BuiltCity, tmp_path_factory: pytest.TempPathFactory) -> DashHome:
    """A home of its own holding a copy of the built city's published mart and run record, with
    one user per role."""
    assert built_city.returncode == 0, built_city.output
    home = tmp_path_factory.mktemp("dash") / "home"
    (home / "logs").mkdir(parents=True)
    shutil.copy2(built_city.published, home / "mart.duckdb")
    shutil.copy2(built_city.home / "logs" / "runs.jsonl", home / "logs" / "runs.jsonl")
    for name, (role, password) in PASSWORDS.items():
        proc = user_cli(home, "add", name, "--role", role, stdin=f"{password}\n{password}\n")
        assert proc.returncode == 0, proc.stderr
    return DashHome(home)


@pytest.fixture
def env(dash_home: DashHome, monkeypatch: pytest.MonkeyPatch) -> DashHome:
    monkeypatch.setenv("NENKIN_AUDIT_HOME", str(dash_home.home))
    monkeypatch.delenv("NENKIN_AUDIT_USERS_FILE", raising=False)
    monkeypatch.delenv("NENKIN_AUDIT_AUTH", raising=False)
    return dash_home


def login(name: str, password: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, at.exception
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input(password or PASSWORDS[name][1])
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def known_pages(at: AppTest) -> set[str]:
    """The pages registered for this session (AppTest lists them when a switch fails)."""
    with pytest.raises(ValueError, match="Known pages") as err:
        at.switch_page("nenkin_ui.py")  # a file beside the app, never a page
    return {Path(p).stem for p in re.findall(r"'([^']+\.py)'", str(err.value).split("Known")[1])}


def submit(at: AppTest) -> None:
    next(b for b in at.button if b.label == "判断を記録").click().run()


def auth_log(home: Path) -> list[dict[str, object]]:
    path = home / "logs" / "auth.log"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.is_file() else []


# ------------------------------------------------------------------------------ users CLI


def test_user_add_reads_the_password_twice_refuses_weak_ones_and_keeps_hashes_private(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    weak = user_cli(home, "add", "tanaka", "--role", "reviewer", stdin="password123\npassword123\n")
    assert weak.returncode == 2 and "password refused" in weak.stderr
    differ = user_cli(
        home, "add", "tanaka", "--role", "reviewer", stdin="Tenken-2026-Secure!\nOther-2026-Pass!\n"
    )
    assert differ.returncode == 2 and "differ" in differ.stderr
    has_name = user_cli(
        home,
        "add",
        "tanaka",
        "--role",
        "reviewer",
        stdin="Tanaka-2026-Secure!\nTanaka-2026-Secure!\n",
    )
    assert has_name.returncode == 2 and "user name" in has_name.stderr
    bad_role = user_cli(home, "add", "tanaka", "--role", "admin", stdin="x\nx\n")
    assert bad_role.returncode == 2
    ok = user_cli(
        home,
        "add",
        "tanaka",
        "--role",
        "reviewer",
        stdin="Tenken-2026-Secure!\nTenken-2026-Secure!\n",
    )
    assert ok.returncode == 0, ok.stderr
    users = home / "auth" / "users.yaml"
    assert users.stat().st_mode & 0o777 == 0o600
    assert (home / "auth").stat().st_mode & 0o777 == 0o700
    text = users.read_text()
    assert "Tenken-2026-Secure!" not in text and "$2b$12$" in text
    assert user_cli(home, "list").stdout.strip() == "tanaka\treviewer"
    assert user_cli(home, "remove", "tanaka").returncode == 0
    assert "tanaka" not in user_cli(home, "list").stdout


# ------------------------------------------------------------------------- pages and roles


@pytest.mark.parametrize("name", ["mgr", "rev", "aud"])
def test_each_role_renders_its_pages_and_no_other(env: DashHome, name: str) -> None:
    role = PASSWORDS[name][0]
    at = login(name)
    allowed = ROLE_PAGES[role]
    assert known_pages(at) == set(allowed)
    for key, title in allowed.items():
        at.switch_page(f"views/{key}.py").run()
        assert not at.exception, (key, at.exception)
        assert at.title[0].value == title
        captions = " ".join(c.value for c in at.caption)
        assert "公開" in captions and (
            "基準日" in captions or "最新" in captions or "最終実行" in captions
        )
        assert not any("まだ何も公開されていません" in i.value for i in at.info)
    forbidden = sorted(set(ALL_PAGES) - set(allowed))
    assert forbidden
    for key in forbidden:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{key}.py")


def test_pages_show_japanese_labels_and_data(env: DashHome) -> None:
    at = login("mgr")
    at.switch_page("views/reconciliation.py").run()
    status = at.dataframe[0].value
    assert list(status.columns) == ["状態", "件数"]
    assert "一致" in set(status["状態"]) and "matched" not in set(status["状態"])
    worklist = at.dataframe[1].value
    assert "受付番号" in worklist.columns and len(worklist) > 0
    office = worklist["窓口"].iloc[0]
    at.selectbox(key="reconciliation-office").set_value(office).run()
    filtered = at.dataframe[1].value
    assert set(filtered["窓口"]) == {office} and len(filtered) <= len(worklist)
    at.switch_page("views/runs.py").run()
    runs = at.dataframe[0].value
    assert runs["結果"].iloc[0] == "公開済み"
    at.switch_page("views/data_quality.py").run()
    assert "取込台帳と鮮度" in [h.value for h in at.header]
    ledger = at.dataframe[2].value
    assert "取込済" in set(ledger["状態"])
    quarantine = at.dataframe[3].value  # the city was generated with bad input
    assert list(quarantine.columns) == ["抽出ファイル", "ファイル", "理由", "行数"]
    assert quarantine["行数"].sum() > 0


def test_a_failed_login_shows_no_page_is_logged_without_the_password_and_rate_limited(
    env: DashHome,
) -> None:
    wrong = "Wrong-Password-2026!"
    at = login("aud", wrong)
    assert [e.value for e in at.error] == ["ユーザー名またはパスワードが違います。"]
    assert at.title[0].value == "国民年金 点検ダッシュボード"
    events = auth_log(env.home)
    assert {"event": "login_failed", "user": "aud"}.items() <= events[-1].items()
    assert wrong not in (env.home / "logs" / "auth.log").read_text()
    try:
        for _ in range(4):  # five failures in all lock the name, even for the right password
            login("aud", wrong)
        locked = login("aud")
        assert "ログインできません" in locked.error[0].value
        assert locked.title[0].value == "国民年金 点検ダッシュボード" and not locked.dataframe
        assert auth_log(env.home)[-1]["event"] == "login_refused_locked"
    finally:
        (env.home / "auth" / "failed_logins.json").unlink()  # the lock lasts 15 minutes; lift it


def test_an_idle_session_expires(env: DashHome) -> None:
    at = login("rev")
    assert at.title[0].value == "アクセス点検"
    at.session_state["nenkin_last_seen"] = time.time() - 31 * 60
    at.run()
    assert "セッションの有効期限が切れました" in at.warning[0].value
    assert at.title[0].value == "国民年金 点検ダッシュボード"
    assert auth_log(env.home)[-1]["event"] == "session_expired"


def test_a_decision_is_appended_and_auditors_see_the_whole_history(env: DashHome) -> None:
    at = login("rev")
    case_id = at.selectbox(key="case-select").value
    at.radio(key="disposition").set_value("要確認")
    at.text_area(key="decision-reason").input("所属長に業務内容を照会中")
    submit(at)
    assert not at.exception, at.exception
    assert any(case_id in s.value for s in at.success)
    at.radio(key="disposition").set_value("業務上正当")
    at.text_area(key="decision-reason").input("窓口での相談記録を確認")
    submit(at)
    con = duckdb.connect(str(env.home / "reviews.duckdb"), read_only=True)
    rows = con.sql(
        "select disposition, reviewer from decisions where case_id = ? order by decision_id",
        params=[case_id],
    ).fetchall()
    con.close()
    assert rows[-2:] == [("要確認", "rev"), ("業務上正当", "rev")]

    aud = login("aud")
    assert aud.title[0].value == "点検記録"
    decisions = aud.dataframe[1].value
    mine = decisions[decisions["ケース"] == case_id]
    assert list(mine["判断"])[-2:] == ["要確認", "業務上正当"]
    assert not aud.text_area and not aud.radio  # read-only: no decision form


def test_without_a_publication_pages_say_what_to_do(
    dash_home: DashHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "empty-home"
    home.mkdir()
    shutil.copytree(dash_home.home / "auth", home / "auth")
    monkeypatch.setenv("NENKIN_AUDIT_HOME", str(home))
    at = login("mgr")
    assert not at.exception
    assert "まだ何も公開されていません" in at.info[0].value
    assert "nenkin-audit run" in at.info[0].value
    assert not at.dataframe


def test_no_users_says_how_to_add_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NENKIN_AUDIT_HOME", str(tmp_path / "home"))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert "nenkin-audit user add" in at.error[0].value
    assert not at.text_input


def test_proxy_mode_needs_the_identity_headers(
    env: DashHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NENKIN_AUDIT_AUTH", "proxy")
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert "認証プロキシ" in at.error[0].value
    assert not at.text_input and not at.dataframe


def test_removing_a_user_ends_their_open_session(env: DashHome) -> None:
    password = "Kari-Kansa-2026!"
    added = user_cli(env.home, "add", "ichiji", "--role", "auditor", stdin=f"{password}\n" * 2)
    assert added.returncode == 0, added.stderr
    at = login("ichiji", password)
    assert at.title[0].value == "点検記録"
    assert user_cli(env.home, "remove", "ichiji").returncode == 0
    at.run()
    assert at.title[0].value == "国民年金 点検ダッシュボード" and not at.dataframe
    assert auth_log(env.home)[-1]["event"] == "session_ended_user_changed"
