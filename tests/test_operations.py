"""The scheduled job as an operator runs it: the real CLI on a small generated city and real
DuckDB files. Two runs at once, the summary at the end of the output, the run record and the
kept dbt artifacts, an inbox with nothing new, a redelivered file, a run that waits for another
and stops on stale sources, keys made by `key new`, and review notes re-keyed after a rotation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from nenkin_audit import reviews
from nenkin_audit.cli import build_parser
from nenkin_audit.exit_codes import BUSY, NOTHING_TO_PUBLISH, OK, STALE_STOP
from nenkin_audit.keys import load_key
from nenkin_audit.pseudonym import Pseudonymiser

from .conftest import REPO, cli

CLI = str(Path(sys.executable).with_name("nenkin-audit"))
RUN_DATE = "2026-11-30"


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
    )


def _summary(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("== summary of run "))
    return lines[start:]


# ---------------------------------------------------------------------------------------------
# The command line itself


def test_version() -> None:
    proc = cli("--version", check=True)
    assert re.fullmatch(r"nenkin-audit \d+\.\d+\.\d+\S*\n", proc.stdout), proc.stdout


def _walk(parser: argparse.ArgumentParser, path: str = "nenkin-audit"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")
        else:
            yield path, action


def test_every_option_of_every_command_has_help() -> None:
    seen, missing = 0, []
    for path, action in _walk(build_parser()):
        seen += 1
        if not (action.help and action.help.strip()) or action.help == argparse.SUPPRESS:
            missing.append(f"{path}: {'/'.join(action.option_strings) or action.dest}")
    assert seen > 30, "the walk must reach the subcommands"
    assert not missing, f"options without help text: {missing}"


# ---------------------------------------------------------------------------------------------
# Keys


def test_key_new_writes_an_owner_only_key_and_never_prints_it(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    out = keys / "pseudonym.key"
    proc = cli("key", "new", "--out", str(out), check=True)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key = load_key(out)  # the format the rest of the code reads
    assert key.secret.hex() not in proc.stdout + proc.stderr
    assert key.key_id in proc.stdout

    # never over an existing file ...
    again = cli("key", "new", "--out", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert load_key(out) == key
    # ... unless asked, and then a different key, still owner-only
    forced = cli("key", "new", "--out", str(out), "--force", "--key-id", "k2", check=True)
    replaced = load_key(out)
    assert replaced.key_id == "k2" and replaced.secret != key.secret
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert replaced.secret.hex() not in forced.stdout + forced.stderr
    assert sorted(p.name for p in keys.iterdir()) == ["pseudonym.key"], "no temporary left"

    bad = cli("key", "new", "--out", str(keys / "x.key"), "--key-id", "Bad Id")
    assert bad.returncode == 2 and "key id" in bad.stderr
    assert not (keys / "x.key").exists()


# ---------------------------------------------------------------------------------------------
# A fresh home with nothing to load


def test_an_empty_inbox_on_a_fresh_home_publishes_nothing(tmp_path: Path) -> None:
    inbox, home = tmp_path / "inbox", tmp_path / "home"
    inbox.mkdir()
    key = tmp_path / "k.key"
    cli("key", "new", "--out", str(key), check=True)
    proc = cli(
        "run",
        "--inbox",
        str(inbox),
        "--home",
        str(home),
        env={"NENKIN_AUDIT_KEY_FILE": str(key), "NENKIN_AUDIT_RUN_DATE": RUN_DATE},
    )
    assert proc.returncode == NOTHING_TO_PUBLISH, proc.stdout + proc.stderr
    summary = _summary(proc.stdout)
    assert "files:      no new file in the inbox" in summary
    assert any("nothing was published" in line for line in summary)
    assert not (home / "mart.duckdb").exists()
    assert "published:" not in proc.stdout
    (record,) = [json.loads(x) for x in (home / "logs" / "runs.jsonl").read_text().splitlines()]
    assert (record["outcome"], record["exit_code"]) == ("nothing_to_publish", NOTHING_TO_PUBLISH)


# ---------------------------------------------------------------------------------------------
# A small city, run by two jobs at once, then again


class City:
    def __init__(self, root: Path) -> None:
        from nenkin_audit.generate import generate_city

        self.root = root
        self.inbox = root / "inbox"
        self.home = root / "home"
        generate_city(self.inbox, persons=600, days=4, seed=9, bad_input=True, progress=None)
        self.pristine = {p.name: p.read_bytes() for p in self.inbox.iterdir()}
        self.key = root / "keys" / "old.key"
        self.key.parent.mkdir(mode=0o700)
        cli("key", "new", "--out", str(self.key), "--key-id", "old", check=True)

    @property
    def env(self) -> dict[str, str]:
        return {"NENKIN_AUDIT_KEY_FILE": str(self.key), "NENKIN_AUDIT_RUN_DATE": RUN_DATE}

    def start(self, *extra: str) -> subprocess.Popen:
        return _start(
            "run", "--inbox", str(self.inbox), "--home", str(self.home), *extra, env=self.env
        )

    def ledger(self) -> list[tuple]:
        con = duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True)
        try:
            return con.execute(
                "select file_name, sha256, status, moved_to from raw.load_files "
                "order by loaded_at, file_name"
            ).fetchall()
        finally:
            con.close()


def _wait_for_lock(home: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    lock = home / "run.lock"
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        if lock.is_file() and lock.read_text().strip() == str(proc.pid):
            return
        time.sleep(0.1)
    raise AssertionError("the first run never took the lock")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    return City(tmp_path_factory.mktemp("ops-city"))


@pytest.fixture(scope="module")
def two_runs(city: City) -> dict[str, subprocess.CompletedProcess]:
    """Run A and, while it holds the lock, run B with the default --wait 0."""
    a = city.start()
    _wait_for_lock(city.home, a)
    b = city.start()
    b_out, b_err = b.communicate(timeout=120)
    a_out, a_err = a.communicate(timeout=1800)
    return {
        "a": subprocess.CompletedProcess(a.args, a.returncode, a_out, a_err),
        "b": subprocess.CompletedProcess(b.args, b.returncode, b_out, b_err),
    }


@pytest.mark.slow
def test_two_runs_at_once_one_is_turned_away_cleanly_the_other_publishes(
    city: City, two_runs: dict
) -> None:
    a, b = two_runs["a"], two_runs["b"]
    assert b.returncode == BUSY, b.stdout + b.stderr
    assert "another nenkin-audit run is still using" in b.stdout
    assert "Traceback" not in b.stdout + b.stderr
    assert a.returncode == OK, a.stdout[-4000:] + a.stderr
    last = a.stdout.rstrip().splitlines()[-1]
    assert last == f"published: {city.home / 'mart.duckdb'}"
    runs = [json.loads(x) for x in (city.home / "logs" / "runs.jsonl").read_text().splitlines()]
    assert sorted(r["outcome"] for r in runs) == ["busy", "published"]
    # the mart is the one run A built: its cases are the ones the summary counted
    record = next(r for r in runs if r["outcome"] == "published")
    con = duckdb.connect(str(city.home / "mart.duckdb"), read_only=True)
    try:
        assert (
            con.execute("select count(*) from fct_access_cases").fetchone()[0] == (record["cases"])
        )
    finally:
        con.close()


@pytest.mark.slow
def test_the_summary_ends_the_output_and_says_what_an_operator_needs(
    city: City, two_runs: dict
) -> None:
    out = two_runs["a"].stdout
    summary = _summary(out)
    assert len(out.splitlines()) < 120, "dbt's own output goes to the run's log file"
    text = "\n".join(summary)
    rejected = {m.group(1): m.group(2) for m in re.finditer(r"  rejected:  (\S+) \((\w+)\)", text)}
    con = duckdb.connect(str(city.home / "warehouse.duckdb"), read_only=True)
    try:
        want = dict(
            con.execute(
                "select file_name, split_part(reason, ':', 1) from raw.load_files "
                "where status = 'rejected'"
            ).fetchall()
        )
        quarantine = dict(
            con.execute(
                "select reject_reason, count(*) from staging.quarantine_rows group by 1"
            ).fetchall()
        )
        names = [
            n
            for (n,) in con.execute(
                "select shimei from raw.atena where shimei is not null"
            ).fetchall()
        ]
    finally:
        con.close()
    assert rejected == want and want, "every rejected file named with its reason code"
    assert re.search(
        r"^files:      \d+ offered: \d+ loaded, 1 duplicate, \d+ rejected$", text, re.M
    )
    total = sum(quarantine.values())
    assert f"{total:,} quarantined" in text
    for reason, n in quarantine.items():
        assert f"{reason} {n:,}" in text
    assert re.search(r"^review: .* \d+ case\(s\) in the review queue", text, re.M)
    assert re.search(r"^stale:      \d+ source\(s\)", text, re.M), "the city is months old"
    assert re.search(r"^result:     published \(exit 0\) in [\d.]+ s", text, re.M)
    # no personal value: no name, no 10-digit or 12-digit number (宛名番号, 個人番号, ...)
    assert not re.search(r"(?<!\d)\d{10}(?!\d)|(?<!\d)\d{12}(?!\d)", text.replace(",", ""))
    assert not any(name in out for name in names)


@pytest.mark.slow
def test_the_run_record_is_in_the_warehouse_and_the_artifacts_are_kept(
    city: City, two_runs: dict
) -> None:
    con = duckdb.connect(str(city.home / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.sql("select * from ops.run_records").pl().to_dicts()
        ledger = dict(
            con.execute("select status, count(*) from raw.load_files group by 1").fetchall()
        )
    finally:
        con.close()
    (row,) = rows  # the busy run left its line in runs.jsonl only
    assert (row["outcome"], row["exit_code"], row["target"]) == ("published", 0, "duckdb")
    assert row["finished_at"] >= row["started_at"]
    assert (row["files_loaded"], row["files_duplicate"], row["files_rejected"]) == (
        ledger["loaded"],
        ledger["duplicate"],
        ledger["rejected"],
    )
    assert row["files_offered"] == sum(ledger.values())
    assert row["rows_staged"] + row["rows_quarantined"] == row["rows_loaded"] > 0
    results = json.loads(row["dbt_results"])
    assert results.get("pass", 0) > 100 and not results.get("error") and not results.get("fail")
    assert json.loads(row["failed_tests"]) == []
    run_dir = city.home / "runs" / row["run_id"]
    assert row["artifacts"] == str(run_dir)
    kept = {p.name for p in run_dir.iterdir()}
    assert {"run_results.1.json", "run_results.2.json", "manifest.json", "dbt.log"} <= kept
    assert {"summary.txt", "load.log"} <= kept
    assert "PASS" in (run_dir / "dbt.log").read_text(encoding="utf-8")
    summary = (run_dir / "summary.txt").read_text(encoding="utf-8")
    assert summary.splitlines() == _summary(two_runs["a"].stdout)


@pytest.mark.slow
def test_a_rerun_over_the_same_inbox_records_only_the_redelivered_file(
    city: City, two_runs: dict
) -> None:
    """Processed files left the inbox: a run over it again loads nothing and adds no row, but
    a file delivered a second time (same name, same bytes) is an offer of its own: a
    duplicate row. Meanwhile a second run waiting for the lock gets it, then stops on the
    (months old) city's stale sources without building."""
    assert two_runs["a"].returncode == OK
    top = [p.name for p in city.inbox.iterdir() if not p.is_dir()]
    assert top == [], "every offered file left the top of the inbox"
    assert {p.name for p in city.inbox.iterdir()} == {"_loaded", "_rejected"}
    before = city.ledger()
    loaded = next(r for r in before if r[2] == "loaded")
    (city.inbox / loaded[0]).write_bytes(city.pristine[loaded[0]])

    c = city.start()
    _wait_for_lock(city.home, c)
    d = city.start("--wait", "1800", "--stale", "stop")
    c_out, c_err = c.communicate(timeout=1800)
    d_out, d_err = d.communicate(timeout=600)

    assert c.returncode == OK, c_out[-4000:] + c_err
    after = city.ledger()
    assert after[: len(before)] == before
    (new,) = after[len(before) :]
    assert new[:3] == (loaded[0], loaded[1], "duplicate")
    assert new[3] == f"_loaded/{loaded[0].removesuffix('.csv')}.2.csv"
    assert (city.inbox / new[3]).read_bytes() == city.pristine[loaded[0]]
    assert f"  duplicate: {loaded[0]} (same bytes as {loaded[0]})" in _summary(c_out)

    assert d.returncode == STALE_STOP, d_out[-3000:] + d_err
    assert "waiting up to 1800 s" in d_out
    assert "no new file in the inbox" in d_out
    assert "== dbt build" not in d_out
    assert "published:" not in d_out
    runs = [json.loads(x) for x in (city.home / "logs" / "runs.jsonl").read_text().splitlines()]
    assert [r["outcome"] for r in runs][-2:] == ["published", "stale_stop"]


# ---------------------------------------------------------------------------------------------
# Key rotation: review notes re-keyed through the rebuilt warehouse


@pytest.mark.slow
def test_review_notes_are_rekeyed_after_a_rotation_without_writing_a_number(
    city: City, two_runs: dict
) -> None:
    assert two_runs["a"].returncode == OK
    wh = city.home / "warehouse.duckdb"
    con = duckdb.connect(str(wh), read_only=True)
    try:
        atena_no, old_pid = con.execute(
            "select atena_no, person_pid from intermediate.int_identity__person_pseudonyms "
            "order by atena_no limit 1"
        ).fetchone()
        setai_no, old_hh = con.execute(
            "select setai_no, household_pid from intermediate.int_identity__household_pseudonyms "
            "order by setai_no limit 1"
        ).fetchone()
    finally:
        con.close()
    old = Pseudonymiser(load_key(city.key))
    old_subject = old("access_subject", old_pid)
    unknown = "old:" + "0" * 20
    store = city.home / "reviews.duckdb"
    reviews.record(
        store,
        "C-20260406-0001",
        "要確認",
        f"同一人物 {old_pid}（対象 {old_subject}）、世帯 {old_hh}。参考 {unknown}",
        "tanaka",
    )
    reviews.record(store, "C-20260406-0002", "誤検知", "業務上の照会", "tanaka")

    new_key = city.key.parent / "new.key"
    cli("key", "new", "--out", str(new_key), "--key-id", "new", check=True)
    args = ["key", "rotate-reviews", "--old-key", str(city.key), "--new-key", str(new_key)]
    home = ["--home", str(city.home)]

    # before the rebuild with the new key: refused, nothing changed
    early = cli(*args, *home)
    assert early.returncode == 2 and "rebuild with the new key first" in early.stderr
    assert reviews.history(store)["reason"][0].startswith(f"同一人物 {old_pid}")

    # the identity mappings rebuilt with the new key (the full rebuild's part that matters here)
    rebuilt = cli(
        "dbt",
        *home,
        "--",
        "build",
        "--select",
        "int_identity__person_pseudonyms int_identity__household_pseudonyms "
        "int_identity__kiso_keys",
        env={"NENKIN_AUDIT_KEY_FILE": str(new_key)},
    )
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]

    proc = cli(*args, *home, check=True)
    assert "1 decision(s) changed, 3 pseudonym(s) re-keyed, 1 not found" in proc.stdout

    new = Pseudonymiser(load_key(new_key))
    new_pid = new("person", atena_no)
    history = reviews.history(store)
    assert history["reason"].to_list() == [
        f"同一人物 {new_pid}（対象 {new('access_subject', new_pid)}）、世帯 "
        f"{new('household', setai_no)}。参考 {unknown}",
        "業務上の照会",
    ]
    assert history["case_id"].to_list() == ["C-20260406-0001", "C-20260406-0002"]
    # no number in the store: not in the decisions, not in the record of the rotation
    con = duckdb.connect(str(store), read_only=True)
    try:
        everything = str(con.execute("select * from decisions").fetchall()) + str(
            con.execute("select * from rekeys").fetchall()
        )
    finally:
        con.close()
    assert atena_no not in everything and setai_no not in everything
    assert old_pid not in everything
    assert atena_no.encode() not in store.read_bytes()
    # again: nothing left to re-key
    again = cli(*args, *home, check=True)
    assert "0 decision(s) changed" in again.stdout
    shutil.rmtree(city.home / "target", ignore_errors=True)  # the mixed-key build is spent


@pytest.mark.slow
def test_a_failing_test_fails_the_run_names_the_test_and_keeps_the_mart(
    city: City, two_runs: dict
) -> None:
    """A ledger that claims a row more than was staged or quarantined fails dbt's conservation
    test: exit 1, the test named in the summary and the run record, the mart untouched."""
    mart = city.home / "mart.duckdb"
    before = mart.read_bytes()
    wh = city.home / "warehouse.duckdb"
    tamper = (
        "update raw.load_files set data_rows = data_rows {op} 1, loaded_rows = loaded_rows {op} 1 "
        "where file_name = (select min(file_name) from raw.load_files "
        "where status = 'loaded' and data_rows > 0)"
    )
    with duckdb.connect(str(wh)) as con:
        con.execute(tamper.format(op="+"))
    try:
        proc = city.start()
        out, err = proc.communicate(timeout=1800)
    finally:
        with duckdb.connect(str(wh)) as con:
            con.execute(tamper.format(op="-"))
    assert proc.returncode == 1, out[-4000:] + err
    summary = "\n".join(_summary(out))
    failed = re.search(r"^failed:     (\d+): (.+)$", summary, re.M)
    assert failed and "assert_rows_conserved_per_loaded_file" in failed.group(2), summary
    assert re.search(r"^result:     build_failed \(exit 1\)", summary, re.M)
    assert "published:" not in out
    assert mart.read_bytes() == before, "a failed run leaves the published mart untouched"
    with duckdb.connect(str(wh), read_only=True) as con:
        outcome, code, tests = con.execute(
            "select outcome, exit_code, failed_tests from ops.run_records "
            "order by started_at desc limit 1"
        ).fetchone()
    assert (outcome, code) == ("build_failed", 1)
    assert any("assert_rows_conserved_per_loaded_file" in t for t in json.loads(tests))


# ---------------------------------------------------------------------------------------------
# The locks of the production and the development install


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_the_locks_hold_every_pin_of_pyproject_and_no_dev_tool_in_production() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    prod, dev = _pins(REPO / "requirements.lock"), _pins(REPO / "requirements-dev.lock")

    def wanted(specs: list[str]) -> dict[str, str]:
        out = {}
        for spec in specs:
            name, _, version = spec.partition("==")
            out[name.strip().lower().replace("_", "-")] = version.strip()
        return out

    runtime, tools = (
        wanted(project["dependencies"]),
        wanted(project["optional-dependencies"]["dev"]),
    )
    stale = "pyproject.toml changed: regenerate the locks with ./scripts/lock.sh"
    assert {k: prod.get(k) for k in runtime} == runtime, stale
    assert {k: dev.get(k) for k in runtime | tools} == runtime | tools, stale
    assert not set(tools) & set(prod), "no dev tool in the production lock"
    assert not {"pytest", "ruff", "sqlfluff", "playwright"} & set(prod)
    assert {k: dev[k] for k in prod} == prod, "the dev lock is the production lock plus tools"
