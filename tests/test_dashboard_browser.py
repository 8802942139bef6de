"""End to end in a real browser (Debian's headless chromium, driven by Playwright): a reviewer
created with `nenkin-audit user add` logs in to `nenkin-audit serve`, opens the day's queue,
records a decision, reloads and finds it persisted. The screenshot is kept in the test's tmp dir."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import REPO, BuiltCity

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Tenken-Browser-2026!"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason="Debian's chromium is not installed (/usr/bin/chromium): apt-get install chromium",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"serve did not answer {url} within {timeout}s")


@pytest.fixture
def served(built_city: BuiltCity, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    assert built_city.returncode == 0, built_city.output
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(built_city.published, home / "mart.duckdb")
    exe = str(Path(sys.executable).with_name("nenkin-audit"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NENKIN_AUDIT_")}
    added = subprocess.run(
        [exe, "user", "add", "suzuki", "--role", "reviewer", "--home", str(home)],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    port = _free_port()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [exe, "serve", "--home", str(home)],
        env={**env, "STREAMLIT_SERVER_PORT": str(port), "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
        start_new_session=True,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}", home
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_a_reviewer_records_a_decision_in_the_browser_and_it_persists(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, home = served
    reason = "窓口の相談記録と照合済み（ブラウザ試験）"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            page.set_default_timeout(30_000)
            page.goto(base)
            page.get_by_label("ユーザー名").fill("suzuki")
            page.get_by_label("パスワード").fill(PASSWORD)
            page.get_by_role("button", name="ログイン").click()
            # while Streamlit re-runs the script, the page's heading can briefly stand twice
            # (the element being replaced and its replacement): wait for the first
            queue_heading = page.get_by_role("heading", name="アクセス点検", level=1).first
            expect(queue_heading).to_be_visible()
            # no Deploy button or developer menu for users (client.toolbarMode minimal)
            expect(page.get_by_text("Deploy", exact=True)).to_have_count(0)
            expect(page.get_by_role("heading", name="点検の判断")).to_be_visible()

            page.get_by_text("不正の疑い・上申", exact=True).click()
            page.get_by_label("理由（確認した内容）").fill(reason)
            page.get_by_role("button", name="判断を記録").click()
            expect(page.get_by_text("を記録しました")).to_be_visible()

            page.reload()
            login = page.get_by_label("ユーザー名")
            heading = page.get_by_role("heading", name="アクセス点検", level=1).first
            expect(login.or_(heading).first).to_be_visible()
            if login.is_visible():  # no re-login cookie: log in again
                login.fill("suzuki")
                page.get_by_label("パスワード").fill(PASSWORD)
                page.get_by_role("button", name="ログイン").click()
            expect(heading).to_be_visible()
            expect(page.get_by_text(reason)).to_be_visible()
            expect(page.get_by_text("不正の疑い・上申").first).to_be_visible()
            page.get_by_text(reason).scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "access_review_decision.png"))

            # a manager's page is not routed for a reviewer, whatever the URL
            page.goto(f"{base}/filings")
            expect(
                page.get_by_text("Page not found").or_(page.get_by_label("ユーザー名"))
            ).to_be_visible()
            expect(queue_heading).to_be_visible()
            expect(page.get_by_role("heading", name="届出処理状況")).to_have_count(0)
        finally:
            browser.close()
    assert (tmp_path / "access_review_decision.png").stat().st_size > 10_000
    import duckdb

    con = duckdb.connect(str(home / "reviews.duckdb"), read_only=True)
    rows = con.sql("select disposition, reason, reviewer from decisions").fetchall()
    con.close()
    assert rows == [("不正の疑い・上申", reason, "suzuki")]
