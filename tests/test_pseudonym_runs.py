"""Pseudonyms across runs on a generated city: the same key rebuilds the same pseudonyms, another
key unrelated ones; re-identification is for key holders and audited; a build that fails (here:
a key with wrong permissions) leaves the previous publication intact and readable, and a reader
holding the old file keeps reading across a publish."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from nenkin_audit.dbt_build import run_dbt
from nenkin_audit.home import Home
from nenkin_audit.keys import load_key, write_key
from nenkin_audit.publish import open_published, publish

from .conftest import BuiltCity, cli

pytestmark = pytest.mark.slow

MAPPINGS = {
    "int_identity__person_pseudonyms": ("atena_no", "person_pid"),
    "int_identity__household_pseudonyms": ("setai_no", "household_pid"),
    "int_identity__kiso_keys": ("kiso_nenkin_no", "person_pid"),
}


def _copy_home(city: BuiltCity, dest: Path) -> Home:
    assert city.returncode == 0, city.output
    shutil.copytree(city.home, dest, ignore=shutil.ignore_patterns("*.lock", "keys"))
    return Home(dest)


def _mapping(warehouse: Path, model: str) -> dict[str, str]:
    id_col, pid_col = MAPPINGS[model]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return dict(con.sql(f"select {id_col}, {pid_col} from intermediate.{model}").fetchall())
    finally:
        con.close()


def _rebuild_mappings(home: Home, key_file: Path) -> None:
    ok = run_dbt(home, ["run", "--select", *MAPPINGS], key_file=key_file)
    assert ok, (home.logs / "dbt.log").read_text()[-3000:]


def test_same_key_same_pseudonyms_other_key_different(built_city: BuiltCity, tmp_path) -> None:
    home = _copy_home(built_city, tmp_path / "home")
    before = {m: _mapping(home.warehouse, m) for m in MAPPINGS}
    assert all(len(v) > 100 for v in before.values())

    _rebuild_mappings(home, built_city.key_file)
    for model in MAPPINGS:
        assert _mapping(home.warehouse, model) == before[model], model

    other = write_key(tmp_path / "other.key", "other-1", os.urandom(32))
    _rebuild_mappings(home, other)
    for model in MAPPINGS:
        after = _mapping(home.warehouse, model)
        assert set(after) == set(before[model]), model
        assert not set(after.values()) & set(before[model].values()), model
        assert all(p.startswith("other-1:") for p in after.values())


def _reidentify(home: Path, key_file: Path | str, pid: str, reason: str):
    return cli(
        "reidentify",
        "--pid",
        pid,
        "--reason",
        reason,
        "--home",
        str(home),
        env={"NENKIN_AUDIT_KEY_FILE": str(key_file)},
    )


def _log(home: Path) -> list[dict]:
    path = home / "logs" / "reidentify.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_reidentify_is_for_key_holders_and_audited(built_city: BuiltCity, tmp_path) -> None:
    home = _copy_home(built_city, tmp_path / "home").root
    (home / "logs" / "reidentify.log").unlink(missing_ok=True)
    con = duckdb.connect(str(home / "mart.duckdb"), read_only=True)
    pid = con.sql("select person_pid from dim_persons where in_atena limit 1").fetchall()[0][0]
    household = con.sql("select household_pid from dim_households limit 1").fetchall()[0][0]
    subject = con.sql(
        "select subject_pid from fct_access_events where subject_pid is not null limit 1"
    ).fetchall()[0][0]
    con.close()
    with open(built_city.truth / "persons.csv", newline="", encoding="utf-8") as fh:
        truth = {(r["kind"], r["value"]) for r in csv.DictReader(fh)}

    proc = _reidentify(home, built_city.key_file, pid, "case 2026-0042 (本人からの開示請求)")
    assert proc.returncode == 0, proc.stderr
    number = proc.stdout.split("宛名番号")[1].split()[0]
    assert ("atena_no", number) in truth
    proc = _reidentify(home, built_city.key_file, household, "case 2026-0042 世帯の確認")
    assert proc.returncode == 0, proc.stderr
    assert ("setai_no", proc.stdout.split("世帯番号")[1].split()[0]) in truth
    # a subject-area pseudonym (an access case's subject) leads back to the person's 宛名番号
    proc = _reidentify(home, built_city.key_file, subject, "case 2026-0042 アクセス調査")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("access_subject ")
    assert ("atena_no", proc.stdout.split("宛名番号")[1].split()[0]) in truth

    unknown = _reidentify(home, built_city.key_file, "nope:0000", "case 2026-0043 typo check")
    assert unknown.returncode == 1
    no_reason = _reidentify(home, built_city.key_file, pid, "")
    assert no_reason.returncode == 2 and "reason" in no_reason.stderr
    other = write_key(tmp_path / "other.key", "other-1", os.urandom(32))
    wrong_key = _reidentify(home, other, pid, "case 2026-0044 with the wrong key")
    assert wrong_key.returncode == 2 and "not made with the key" in wrong_key.stderr
    assert number not in wrong_key.stdout + wrong_key.stderr

    log = _log(home)
    assert [e["outcome"] for e in log] == ["found", "found", "found", "not_found", "key_mismatch"]
    assert [e["pid"] for e in log] == [pid, household, subject, "nope:0000", pid]
    assert all(e["user"] and e["at"] and e["reason"].startswith("case 2026-") for e in log)
    assert log[0]["kind"] == "person" and log[1]["kind"] == "household"
    assert log[2]["kind"] == "access_subject"
    raw = (home / "logs" / "reidentify.log").read_text(encoding="utf-8")
    assert number not in raw, "the audit log never holds the re-identified number"
    assert oct((home / "logs" / "reidentify.log").stat().st_mode & 0o777) == oct(0o600)


def test_a_failed_build_leaves_the_previous_publication(built_city: BuiltCity, tmp_path) -> None:
    home = _copy_home(built_city, tmp_path / "home")
    before = home.published.read_bytes()
    reader = open_published(home)
    persons = reader.sql("select count(*) from dim_persons").fetchall()[0][0]
    # the key exists but is readable by the group: refused before anything runs (exit 2)
    secret = load_key(built_city.key_file)
    bad_key = write_key(tmp_path / "bad.key", secret.key_id, secret.secret)
    bad_key.chmod(0o640)
    proc = cli(
        "run",
        "--inbox",
        str(built_city.inbox),
        "--home",
        str(home.root),
        env={"NENKIN_AUDIT_KEY_FILE": str(bad_key)},
    )
    assert proc.returncode == 2
    assert "chmod 600" in proc.stderr
    assert "published:" not in proc.stdout
    assert home.published.read_bytes() == before
    assert reader.sql("select count(*) from dim_persons").fetchall()[0][0] == persons
    fresh = open_published(home)
    assert fresh.sql("select count(*) from dim_persons").fetchall()[0][0] == persons


def test_a_reader_keeps_the_old_file_across_a_publish(built_city: BuiltCity, tmp_path) -> None:
    home = _copy_home(built_city, tmp_path / "home")
    reader = open_published(home)
    n_before = reader.sql("select count(*) from fct_access_events").fetchall()[0][0]
    con = duckdb.connect(str(home.warehouse))
    con.execute("delete from marts.fct_access_events where access_hour < 12")
    con.close()
    assert publish(home) == home.published
    assert reader.sql("select count(*) from fct_access_events").fetchall()[0][0] == n_before
    fresh = open_published(home)
    n_after = fresh.sql("select count(*) from fct_access_events").fetchall()[0][0]
    assert 0 < n_after < n_before
