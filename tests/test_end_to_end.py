"""The scheduled job end to end through the CLI: a generated city with injected bad input is
loaded with zero rows lost, built, tested and published; a second run changes nothing."""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest

from .conftest import BuiltCity, cli

pytestmark = pytest.mark.slow


def _truth(city: BuiltCity, name: str) -> list[dict[str, str]]:
    with open(city.truth / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_run_succeeds_and_prints_the_published_path_last(built_city: BuiltCity) -> None:
    assert built_city.returncode == 0, built_city.output
    last = built_city.stdout.strip().splitlines()[-1]
    assert last == f"published: {built_city.published}"
    assert built_city.published.is_file()


def test_every_offered_file_ends_as_the_truth_says(built_city: BuiltCity) -> None:
    con = duckdb.connect(str(built_city.warehouse), read_only=True)
    ledger = {
        name: (status, reason)
        for name, status, reason in con.sql(
            "select file_name, status, reason from raw.load_files"
        ).fetchall()
    }
    assert not [p for p in built_city.inbox.iterdir() if p.is_file()], "all processed"
    # loaded and duplicate files are kept in _loaded/, rejected ones in _rejected/
    offered = {p.name for p in (built_city.inbox / "_loaded").iterdir()}
    offered |= {
        p.name
        for p in (built_city.inbox / "_rejected").iterdir()
        if p.is_file() and not p.name.endswith(".reason.txt")
    }
    assert offered == set(ledger), "every file offered has exactly one ledger row"
    bad = _truth(built_city, "bad_files.csv")
    assert bad, "the city was generated with --bad-input"
    for row in bad:
        status, reason = ledger[row["file_name"]]
        assert status == row["expected_status"], row
        if status == "rejected":
            assert reason.startswith(row["expected_reason"]), (row, reason)
            assert (built_city.inbox / "_rejected" / row["file_name"]).is_file()
    labelled = {r["file_name"] for r in bad}
    for name, (status, reason) in ledger.items():
        if name not in labelled:
            assert status == "loaded", (name, status, reason)


def test_zero_rows_lost(built_city: BuiltCity) -> None:
    con = duckdb.connect(str(built_city.warehouse), read_only=True)
    per_file = con.sql(
        """
        select l.file_name, l.data_rows, l.loaded_rows,
               coalesce(q.n, 0) as quarantined
        from raw.load_files as l
        left join (
            select _file_name, count(*) as n from staging.quarantine_rows group by all
        ) as q on q._file_name = l.file_name
        where l.status = 'loaded'
        """
    ).fetchall()
    assert per_file
    for file_name, data_rows, loaded_rows, _ in per_file:
        assert data_rows == loaded_rows, file_name
    delivered = sum(r[1] for r in per_file)
    raw_rows = 0
    for (table,) in con.sql(
        "select table_name from information_schema.tables "
        "where table_schema = 'raw' and table_name <> 'load_files'"
    ).fetchall():
        raw_rows += con.sql(f"select count(*) from raw.{table}").fetchall()[0][0]
    assert raw_rows == delivered


def test_every_injected_bad_row_is_quarantined_with_its_reason(built_city: BuiltCity) -> None:
    con = duckdb.connect(str(built_city.warehouse), read_only=True)
    quarantined = {
        (f, int(line)): reason
        for f, line, reason in con.sql(
            "select _file_name, _line_no, reject_reason from staging.quarantine_rows"
        ).fetchall()
    }
    rows = _truth(built_city, "bad_rows.csv")
    assert any(r["expected"] == "quarantine" for r in rows)
    assert any(r["expected"] == "accepted" for r in rows)
    for r in rows:
        key = (r["file_name"], int(r["line_no"]))
        if r["expected"] == "quarantine":
            assert key in quarantined, r
            assert f"{r['reason_code']}:{r['column']}" in quarantined[key], (r, quarantined[key])
        else:
            assert key not in quarantined, (r, quarantined.get(key))


def test_a_second_run_on_the_same_inbox_changes_nothing(built_city: BuiltCity, tmp_path) -> None:
    # Work on a copy so the session's city stays as it was for other tests.
    home = tmp_path / "home"
    shutil.copytree(built_city.home, home)
    before = _fingerprint(home / "warehouse.duckdb")
    proc = cli(
        "run",
        "--inbox",
        str(built_city.inbox),
        "--home",
        str(home),
        env={"NENKIN_AUDIT_KEY_FILE": str(built_city.key_file)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _fingerprint(home / "warehouse.duckdb") == before


def _fingerprint(warehouse) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'staging')"
        ).fetchall()
        return {
            f"{s}.{t}": con.sql(f'select count(*) from "{s}"."{t}"').fetchall()[0][0]
            for s, t in tables
        } | {
            "ledger": con.sql("select count(*) from raw.load_files").fetchall()[0][0],
        }
    finally:
        con.close()


def test_run_without_a_key_says_what_to_do(tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    proc = cli(
        "run",
        "--inbox",
        str(inbox),
        "--home",
        str(tmp_path / "home"),
        env={"NENKIN_AUDIT_KEY_FILE": ""},
    )
    assert proc.returncode == 2
    assert "NENKIN_AUDIT_KEY_FILE" in proc.stderr


def test_run_with_a_missing_inbox_says_so(tmp_path) -> None:
    proc = cli("run", "--inbox", str(tmp_path / "nope"), "--home", str(tmp_path / "home"))
    assert proc.returncode == 2
    assert "not a folder" in proc.stderr
