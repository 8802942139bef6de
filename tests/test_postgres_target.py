"""`run --target postgres` on a private PostgreSQL 15 cluster (tests/pg_cluster.py), against
the DuckDB run of the same inbox and key:

- the whole pipeline on an empty database, twice (a first delivery, then the rest of the
  files), with a dashboard reader querying the mart in a loop during the second publish;
- the published relations equal DuckDB's (row counts and order-independent hashes);
- the SQL pseudonym function gives exactly the Python pseudonyms;
- each role's grants, by trying; the review schema takes a reviewer's decision;
- dbt's sessions run with the build's session options (the operator's after), under which no
  staging model plans a nested loop;
- the run summary reports quarantined rows and stale sources as on DuckDB; the run lock is the
  database's; an empty database with an empty inbox publishes nothing; a database that does not
  hold the home's last build is rebuilt in full;
- the key is nowhere in the server log (log_statement=all), pg_stat_statements, or the home."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import REPO, cli
from .daily_city import private as _private
from .pg_cluster import Cluster, duckdb_mart_state, postgres_mart_state

DB = "nenkin_e2e"
#: access_log files held back from the first delivery (the second run brings them)
HELD_BACK = 2
#: one statement reading several published relations: a mix of two publications would show
MIX_PROBE = (
    "select (select count(*) from fct_access_events), (select count(*) from fct_access_flags), "
    "(select sum(files) from agg_load__files), (select count(*) from dim_dates)"
)


@dataclass
class PgCity:
    cluster: Cluster
    inbox: Path
    key_file: Path
    duck_home: Path
    pg_home: Path
    duck_run: subprocess.CompletedProcess
    first_run: subprocess.CompletedProcess
    second_run: subprocess.CompletedProcess
    before: tuple
    after: tuple
    seen: set = field(default_factory=set)
    reads: int = 0
    errors: list = field(default_factory=list)

    def env(self, user: str | None = None) -> dict[str, str]:
        return self.cluster.env(DB, user)


def _reader(city_env: dict, stop: threading.Event, out: PgCity, user: str) -> None:
    import psycopg2

    con = None
    while not stop.is_set():
        try:
            if con is None:
                con = psycopg2.connect(
                    "",
                    host=city_env["PGHOST"],
                    port=city_env["PGPORT"],
                    dbname=DB,
                    user=user,
                    options="-c search_path=mart",
                )
                con.autocommit = True
            with con.cursor() as cur:
                cur.execute(MIX_PROBE)
                out.seen.add(tuple(int(x) for x in cur.fetchone()))
            out.reads += 1
        except Exception as exc:  # every error counts, the test asserts there is none
            out.errors.append(repr(exc))
            con = None
            time.sleep(0.05)
    if con is not None:
        con.close()


@pytest.fixture(scope="module")
def pg_city(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> PgCity:
    from nenkin_audit.keys import write_key

    root = tmp_path_factory.mktemp("pgcity")
    source = root / "source"
    cli(
        "generate",
        "--out",
        str(source),
        "--persons",
        "1200",
        "--days",
        "20",
        "--seed",
        "11",
        "--misuse",
        "--bad-input",
        check=True,
    )
    key_file = write_key(_private(root / "keys") / "city.key", "pgtest", os.urandom(32))
    env_key = {"NENKIN_AUDIT_KEY_FILE": str(key_file)}

    duck_inbox = root / "duck-inbox"
    shutil.copytree(source, duck_inbox)
    duck_home = _private(root / "duck-home")
    duck_run = cli("run", "--inbox", str(duck_inbox), "--home", str(duck_home), env=env_key)

    pg_cluster.create_database(DB)
    pg_env = {**env_key, **pg_cluster.env(DB)}
    inbox = root / "pg-inbox"
    shutil.copytree(source, inbox)
    held = sorted(inbox.glob("access_log_*.csv"))[-HELD_BACK:]
    aside = _private(root / "held-back")
    for p in held:
        shutil.move(p, aside / p.name)
    pg_home = _private(root / "pg-home")
    args = ("run", "--target", "postgres", "--inbox", str(inbox), "--home", str(pg_home))
    first = cli(*args, env=pg_env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]

    admin = pg_cluster.connect(DB)
    admin.cursor().execute("create role ui_reviewer login in role nenkin_reviewer")
    admin.cursor().execute("set search_path = mart")
    cur = admin.cursor()
    cur.execute(MIX_PROBE)
    before = tuple(int(x) for x in cur.fetchone())

    for p in held:
        shutil.move(aside / p.name, inbox / p.name)
    out = PgCity(
        pg_cluster, source, key_file, duck_home, pg_home, duck_run, first, first, before, ()
    )
    stop = threading.Event()
    reader = threading.Thread(target=_reader, args=(pg_env, stop, out, "ui_reviewer"))
    reader.start()
    try:
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("nenkin-audit")), *args],
            capture_output=True,
            text=True,
            env={**os.environ, **pg_env},
            cwd=REPO,
        )
        time.sleep(0.5)  # the reader reads the new mart too
    finally:
        stop.set()
        reader.join()
    out.second_run = proc
    cur.execute(MIX_PROBE)
    out.after = tuple(int(x) for x in cur.fetchone())
    admin.close()
    return out


def test_both_runs_on_an_empty_database_publish_the_schema_mart(pg_city: PgCity) -> None:
    for proc in (pg_city.first_run, pg_city.second_run):
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        last = proc.stdout.strip().splitlines()[-1]
        assert last.startswith("published: schema mart of database nenkin_e2e"), last
    assert "prepare the PostgreSQL warehouse" in pg_city.first_run.stdout


def test_published_relations_equal_duckdbs_for_the_same_inbox_and_key(pg_city: PgCity) -> None:
    assert pg_city.duck_run.returncode == 0, pg_city.duck_run.stdout[-3000:]
    want = duckdb_mart_state(pg_city.duck_home / "mart.duckdb")
    con = pg_city.cluster.connect(DB)
    try:
        got = postgres_mart_state(con)
    finally:
        con.close()
    assert sorted(got) == sorted(want)
    assert len(got) > 10
    differ = {name: (got[name], want[name]) for name in want if got[name] != want[name]}
    assert not differ, differ
    assert all(rows > 0 for name, (rows, _) in got.items() if name.startswith("fct_access"))


def test_a_reader_during_the_second_publish_sees_no_error_and_never_a_mix(
    pg_city: PgCity,
) -> None:
    assert pg_city.errors == []
    assert pg_city.before != pg_city.after, "the second delivery must change the mart"
    assert pg_city.seen <= {pg_city.before, pg_city.after}, pg_city.seen
    assert pg_city.after in pg_city.seen
    assert pg_city.reads > 20


def test_dbt_runs_on_postgres_with_the_build_session_options_then_the_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nenkin_audit.dbt_build import dbt_env
    from nenkin_audit.home import Home
    from nenkin_audit.postgres.connect import BUILD_SESSION_OPTIONS

    home = Home(tmp_path / "home")
    monkeypatch.delenv("PGOPTIONS", raising=False)
    assert dbt_env(home, None, "postgres")["PGOPTIONS"] == BUILD_SESSION_OPTIONS
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=256MB")
    assert dbt_env(home, None, "postgres")["PGOPTIONS"] == (
        f"{BUILD_SESSION_OPTIONS} -c work_mem=256MB"
    )
    assert "PGOPTIONS" not in dbt_env(home, None, "duckdb")


def test_with_the_build_session_options_no_staging_model_plans_a_nested_loop(
    pg_city: PgCity,
) -> None:
    """PostgreSQL estimates a ranked or grouped subquery at a fraction of its rows and then
    joined two such tables of staging by a nested loop (at city scale: over 27 minutes for
    stg_jps__kekka, 2.3 s by hash joins). With the build's session options no staging model
    plans one: each of their joins has an equality. (Later layers keep the nested loops they
    cannot do without: a cross join with a one-row table, a join on a range only.)"""
    from nenkin_audit.postgres.connect import build_session_options

    compiled = pg_city.pg_home / "target" / "compiled" / "nenkin_audit" / "models" / "staging"
    models = sorted(
        m for m in compiled.rglob("*.sql") if not any(p.endswith(".yml") for p in m.parts)
    )
    assert any(m.name == "stg_jps__kekka.sql" for m in models), models
    con = pg_city.cluster.connect(DB, options=build_session_options(None))
    try:
        cur = con.cursor()
        looped = []
        for model in models:
            cur.execute("explain " + model.read_text(encoding="utf-8"))
            if any("Nested Loop" in row[0] for row in cur.fetchall()):
                looped.append(model.stem)
    finally:
        con.close()
    assert looped == []


def test_the_sql_function_gives_the_python_pseudonyms(pg_city: PgCity) -> None:
    from nenkin_audit.keys import load_key
    from nenkin_audit.pseudonym import KINDS, Pseudonymiser

    key = load_key(pg_city.key_file)
    p = Pseudonymiser(key)
    values = ["0000000001", "1234567890", "", "宛名ｶﾅ①", "x" * 200]
    con = pg_city.cluster.connect(DB)
    try:
        cur = con.cursor()
        cur.execute("set role nenkin_builder")
        for kind in KINDS:
            for v in values:
                cur.execute("select keyring.pseudonym(%s, %s)", (kind, v))
                assert cur.fetchone()[0] == p(kind, v), (kind, v)
        cur.execute("select keyring.pseudonym('person', null), keyring.pseudonym_key_id()")
        assert cur.fetchone() == (None, "pgtest")
        with pytest.raises(Exception, match="unknown pseudonym kind"):
            cur.execute("select keyring.pseudonym('nobody', '1')")
    finally:
        con.close()


def _try(cluster: Cluster, role: str, sql: str) -> str:
    """'ok' or the error class name of running `sql` as a fresh login member of `role`."""
    import psycopg2

    admin = cluster.connect(DB)
    login = f"t_{role}"
    try:
        cur = admin.cursor()
        cur.execute("select count(*) from pg_roles where rolname = %s", (login,))
        if not cur.fetchone()[0]:
            cur.execute(f"create role {login} login in role {role}")
    finally:
        admin.close()
    con = cluster.connect(DB, user=login)
    try:
        con.cursor().execute(sql)
        return "ok"
    except psycopg2.Error as exc:
        return type(exc).__name__
    finally:
        con.close()


RESTRICTED = (
    "select * from raw.load_files limit 1",
    "select * from raw.atena limit 1",
    "select * from staging.stg_atena__persons limit 1",
    "select * from intermediate.int_identity__person_pseudonyms limit 1",
    "select * from marts.dim_persons limit 1",
    "select * from scoring.cases limit 1",
    "select * from keyring.pseudonym_key",
)
DENIED = "InsufficientPrivilege"


@pytest.mark.parametrize("role", ["nenkin_manager", "nenkin_reviewer", "nenkin_auditor"])
def test_a_dashboard_role_reads_the_mart_and_nothing_restricted(pg_city: PgCity, role: str) -> None:
    for sql in RESTRICTED:
        assert _try(pg_city.cluster, role, sql) == DENIED, (role, sql)
    assert _try(pg_city.cluster, role, "select keyring.pseudonym('person', '1')") == DENIED
    for table in ("fct_reconciliation", "agg_load__files", "dim_persons"):
        assert _try(pg_city.cluster, role, f"select * from mart.{table} limit 5") == "ok"
    # the reviewers' access tier: the security staff and the auditors, not the managers
    tier = "ok" if role != "nenkin_manager" else DENIED
    for table in ("fct_access_events", "fct_access_flags", "fct_access_cases"):
        assert _try(pg_city.cluster, role, f"select * from mart.{table} limit 5") == tier
    assert _try(pg_city.cluster, role, "create table mart.x (a int)") == DENIED
    assert _try(pg_city.cluster, role, "delete from mart.fct_reconciliation") == DENIED


def test_only_the_reviewer_records_decisions_and_nobody_rewrites_them(pg_city: PgCity) -> None:
    insert = (
        "insert into review.decisions (case_id, disposition, reason, reviewer, decided_at) "
        "values ('c1', '誤検知', 'test', 'someone', now())"
    )
    assert _try(pg_city.cluster, "nenkin_reviewer", insert) == "ok"
    assert _try(pg_city.cluster, "nenkin_reviewer", "select * from review.decisions") == "ok"
    assert _try(pg_city.cluster, "nenkin_auditor", "select * from review.decisions") == "ok"
    assert _try(pg_city.cluster, "nenkin_auditor", insert) == DENIED
    assert _try(pg_city.cluster, "nenkin_manager", insert) == DENIED
    for role in ("nenkin_reviewer", "nenkin_auditor"):
        assert _try(pg_city.cluster, role, "delete from review.decisions") == DENIED
        assert _try(pg_city.cluster, role, "update review.decisions set reason = 'x'") == DENIED


def test_loader_and_builder_roles_reach_their_layers_only(pg_city: PgCity) -> None:
    c = pg_city.cluster
    assert _try(c, "nenkin_loader", "select * from raw.load_files limit 1") == "ok"
    assert _try(c, "nenkin_loader", "select * from staging.stg_atena__persons limit 1") == DENIED
    assert _try(c, "nenkin_loader", "select * from keyring.pseudonym_key") == DENIED
    assert _try(c, "nenkin_builder", "select * from raw.atena limit 1") == "ok"
    assert _try(c, "nenkin_builder", "select keyring.pseudonym('person', '1')") == "ok"
    assert _try(c, "nenkin_builder", "select * from keyring.pseudonym_key") == DENIED
    assert _try(c, "nenkin_owner", "select * from keyring.pseudonym_key") == DENIED


def test_the_key_is_in_no_log_no_statement_and_no_file_of_the_home(pg_city: PgCity) -> None:
    from nenkin_audit.keys import load_key

    secret = load_key(pg_city.key_file).secret.hex()
    log = pg_city.cluster.log.read_text(encoding="utf-8", errors="replace")
    assert "copy nenkin_incoming_key" in log  # statements are logged, the key data is not
    assert secret[:16] not in log.lower()
    con = pg_city.cluster.connect(DB)
    try:
        cur = con.cursor()
        cur.execute("create extension if not exists pg_stat_statements")
        cur.execute("select query from pg_stat_statements")  # searched here, not in SQL text
        queries = [r[0].lower() for r in cur.fetchall()]
    finally:
        con.close()
    assert len(queries) > 100  # the runs' statements are there
    assert any("nenkin_incoming_key" in text for text in queries)
    assert not [text for text in queries if secret[:16] in text]
    for path in pg_city.pg_home.rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            assert secret[:16].encode() not in path.read_bytes().lower(), path


def test_dashboards_read_the_postgres_mart_and_record_decisions_when_the_home_says_so(
    pg_city: PgCity, tmp_path: Path
) -> None:
    from nenkin_audit import reviews
    from nenkin_audit.home import Home
    from nenkin_audit.publish import open_published

    admin = pg_city.cluster.connect(DB)
    try:
        for role in ("manager", "reviewer", "auditor"):
            admin.cursor().execute(f"create role ui_dash_{role} login in role nenkin_{role}")
    finally:
        admin.close()
    home = Home(_private(tmp_path / "ui-home"))
    env = pg_city.env()
    (home.root / "postgres.toml").write_text(
        "[dashboards]\n"
        + "".join(
            f'{r} = "host={env["PGHOST"]} port={env["PGPORT"]} dbname={DB} user=ui_dash_{r}"\n'
            for r in ("manager", "reviewer", "auditor")
        ),
        encoding="utf-8",
    )
    con = pg_city.cluster.connect(DB)
    try:
        want = postgres_mart_state(con)
    finally:
        con.close()
    tier = {"fct_access_events", "fct_access_flags", "fct_access_cases"}
    for roles, expect in ((("manager",), set(want) - tier), (("reviewer",), set(want))):
        duck = open_published(home, roles)
        try:
            names = {
                t
                for (t,) in duck.sql("select table_name from information_schema.tables").fetchall()
            }
            assert names == expect, roles
            for t in ("fct_reconciliation", "dim_dates"):
                rows = duck.sql(f"select count(*) from {t}").fetchall()[0][0]
                assert rows == want[t][0]
            with pytest.raises(Exception, match="disabled|Permission"):
                duck.sql("select * from read_csv('/etc/hostname')")
        finally:
            duck.close()
    decision = reviews.record(home.reviews, "case-x", reviews.DISPOSITIONS[1], "確認中", "alice")
    history = reviews.history(home.reviews, ["case-x"])
    assert history["decision_id"].to_list() == [decision]
    assert not home.reviews.exists()  # nothing went to the DuckDB file
    # the 自己点検 report reads the same PostgreSQL mart (as the auditor group)
    out = tmp_path / "report" / "jiko_tenken"
    proc = cli(
        "report", "--from", "2026-04-01", "--to", "2026-12-31", "--out", str(out),
        "--home", str(home.root),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "revocation" in out.with_suffix(".html").read_text(encoding="utf-8")
    assert out.with_suffix(".pdf").stat().st_size > 0


def test_a_failed_publish_leaves_the_published_mart_untouched(
    pg_city: PgCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nenkin_audit.errors import UserError
    from nenkin_audit.home import Home
    from nenkin_audit.postgres.publish import publish_postgres

    con = pg_city.cluster.connect(DB)
    try:
        before = postgres_mart_state(con)
        cur = con.cursor()
        cur.execute("select oid from pg_namespace where nspname = 'mart'")
        oid = cur.fetchone()[0]
        # a public model missing from the build: the publisher must refuse, and change nothing
        cur.execute("alter table marts.dim_dates rename to dim_dates_aside")
        try:
            for k, v in pg_city.env().items():
                monkeypatch.setenv(k, v)
            with pytest.raises(UserError, match="dim_dates"):
                publish_postgres(Home(pg_city.pg_home))
        finally:
            cur.execute("alter table marts.dim_dates_aside rename to dim_dates")
        cur.execute("select oid from pg_namespace where nspname = 'mart'")
        assert cur.fetchone()[0] == oid
        assert postgres_mart_state(con) == before
    finally:
        con.close()


def test_a_login_member_of_the_owner_role_runs_once_the_roles_exist(
    pg_city: PgCity, tmp_path: Path
) -> None:
    """No superuser needed after the first run: a DBA grants the owner and key roles the right
    to create schemas in a new database, and a login member of nenkin_owner runs everything."""
    db = pg_city.cluster.create_database("nenkin_member")
    admin = pg_city.cluster.connect()
    try:
        cur = admin.cursor()
        cur.execute("create role etl_member login in role nenkin_owner")
        cur.execute(f"grant connect, create on database {db} to nenkin_owner, nenkin_keyholder")
    finally:
        admin.close()
    inbox = tmp_path / "inbox"
    shutil.copytree(pg_city.inbox, inbox)
    home = _private(tmp_path / "home")
    env = {
        "NENKIN_AUDIT_KEY_FILE": str(pg_city.key_file),
        **pg_city.cluster.env(db, user="etl_member"),
    }
    proc = cli("run", "--target", "postgres", "--inbox", str(inbox), "--home", str(home), env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    con = pg_city.cluster.connect(db)
    try:
        cur = con.cursor()
        cur.execute("select nspowner::regrole::text from pg_namespace where nspname = 'mart'")
        assert cur.fetchone()[0] == "nenkin_owner"
        cur.execute("select count(*) from mart.fct_reconciliation")
        assert cur.fetchone()[0] > 0
    finally:
        con.close()


def _quarantined(stdout: str) -> Counter:
    """The run summary's `quarantined by reason:` line as {reason: rows}."""
    for line in stdout.splitlines():
        if line.strip().startswith("quarantined by reason:"):
            parts = line.split(":", 1)[1].strip().split(", ")
            return Counter(
                {p.rsplit(" ", 1)[0]: int(p.rsplit(" ", 1)[1].replace(",", "")) for p in parts}
            )
    return Counter()


def _stale(stdout: str) -> list[str]:
    return [
        line.strip()
        for line in stdout.splitlines()
        if re.match(r"^  \w+\.\w+: (last delivery|never delivered)", line)
    ]


def test_the_postgres_summary_reports_quarantine_and_stale_sources_as_duckdb_does(
    pg_city: PgCity,
) -> None:
    duck = _quarantined(pg_city.duck_run.stdout)
    assert duck, pg_city.duck_run.stdout[-3000:]  # the city has bad rows
    both = _quarantined(pg_city.first_run.stdout) + _quarantined(pg_city.second_run.stdout)
    assert both == duck
    # after the second run PostgreSQL holds every file DuckDB loaded: the same stale sources
    assert _stale(pg_city.second_run.stdout) == _stale(pg_city.duck_run.stdout)
    assert "stale:" in pg_city.second_run.stdout


def test_a_second_run_on_the_same_database_waits_then_exits_busy(
    pg_city: PgCity, tmp_path: Path
) -> None:
    """The run lock is the database's, not the home's: a run from another home (or machine)
    waits for it and exits 5 without touching anything."""
    from nenkin_audit.postgres.run import RUN_LOCK_KEY

    holder = pg_city.cluster.connect(DB)
    try:
        holder.cursor().execute("select pg_advisory_lock(%s)", (RUN_LOCK_KEY,))
        inbox = _private(tmp_path / "inbox")
        home = _private(tmp_path / "home")
        env = {"NENKIN_AUDIT_KEY_FILE": str(pg_city.key_file), **pg_city.env()}
        args = ("run", "--target", "postgres", "--inbox", str(inbox), "--home", str(home))
        started = time.monotonic()
        proc = cli(*args, "--wait", "2", env=env)
        waited = time.monotonic() - started
    finally:
        holder.close()
    assert proc.returncode == 5, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert waited >= 2
    assert "building this PostgreSQL warehouse" in proc.stdout


def test_a_fresh_database_with_an_empty_inbox_publishes_nothing(
    pg_city: PgCity, tmp_path: Path
) -> None:
    db = pg_city.cluster.create_database("nenkin_empty")
    inbox = _private(tmp_path / "inbox")
    home = _private(tmp_path / "home")
    env = {"NENKIN_AUDIT_KEY_FILE": str(pg_city.key_file), **pg_city.cluster.env(db)}
    proc = cli("run", "--target", "postgres", "--inbox", str(inbox), "--home", str(home), env=env)
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "no new file in the inbox" in proc.stdout
    con = pg_city.cluster.connect(db)
    try:
        cur = con.cursor()
        cur.execute("select count(*) from pg_namespace where nspname = 'mart'")
        assert cur.fetchone()[0] == 0  # no empty mart was published
    finally:
        con.close()


def test_a_database_without_the_homes_last_build_is_rebuilt_in_full(
    pg_city: PgCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The incremental tables live in the database, the build state in the home: a database
    that does not hold the home's last build (restored from a backup, rebuilt, or built by
    another home since) gets a full rebuild, never an incremental one on the wrong rows."""
    from nenkin_audit.home import Home
    from nenkin_audit.incremental import build_mode
    from nenkin_audit.postgres import run as pg_run

    assert "build: incremental: only the new extract dates" in pg_city.second_run.stdout
    for name, value in pg_city.env().items():
        monkeypatch.setenv(name, value)
    home = Home(pg_city.pg_home)
    state = json.loads((pg_city.pg_home / "build_state.json").read_text(encoding="utf-8"))
    assert pg_run.recorded_build_id() == state["build_id"]
    today = dt.date.fromisoformat(state["run_date"])
    mode = build_mode(
        home, full_refresh=False, today=today, warehouse_build_id=pg_run.recorded_build_id
    )
    assert not mode.full_refresh, mode.reason
    con = pg_city.cluster.connect(DB)
    try:
        con.cursor().execute("update ops.build_state set build_id = 'restored-from-backup'")
        mode = build_mode(
            home, full_refresh=False, today=today, warehouse_build_id=pg_run.recorded_build_id
        )
        assert mode.full_refresh
        assert "does not hold this home's last build" in mode.reason
        con.cursor().execute("delete from ops.build_state")
        assert pg_run.recorded_build_id() is None
        assert build_mode(
            home, full_refresh=False, today=today, warehouse_build_id=pg_run.recorded_build_id
        ).full_refresh
    finally:
        con.cursor().execute("delete from ops.build_state")
        con.cursor().execute("insert into ops.build_state values (%s, now())", (state["build_id"],))
        con.close()
