"""The first dashboard page renders from a real published mart (and only from it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from .conftest import BuiltCity

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"

pytestmark = pytest.mark.slow


def test_page_renders_reconciliation_and_throughput(
    built_city: BuiltCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert built_city.returncode == 0, built_city.output
    monkeypatch.setenv("NENKIN_AUDIT_HOME", str(built_city.home))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, at.exception
    assert [h.value for h in at.header][:2] == [
        "突合状況 (reconciliation status)",
        "週次処理件数 (weekly throughput, whole city)",
    ]
    status = at.dataframe[0].value
    assert set(status["status"]) <= {
        "matched",
        "mismatched",
        "returned",
        "pending",
        "not_forwarded",
        "withdrawn",
        "unmatched_result",
        "duplicate_result",
    }
    assert "matched" in set(status["status"])


def test_page_says_what_to_do_without_a_publication(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NENKIN_AUDIT_HOME", str(tmp_path / "empty-home"))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception
    assert "no published mart" in at.error[0].value
    assert not at.dataframe
