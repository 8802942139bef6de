"""Daily runs on PostgreSQL: the incremental run ends exactly where a full rebuild ends, and runs
killed mid-build and mid-publish, then re-run, end exactly where a clean run ends.

The same cut as tests/test_incremental.py (tests/daily_city.py), on a private PostgreSQL 15
cluster (tests/pg_cluster.py). Database nenkin_daily and its home run the files of the days
before the city's last day (a full build), then the last day's files arrive and they run again
(the daily, incremental run). A fresh database nenkin_full and home run the whole inbox at once.
The published schema `mart`, and every
relation of the warehouse's staging, intermediate, marts and codes schemas, must hold the same
rows in both databases: the same count and the same order-independent hash of the rows
(pg_cluster.postgres_mart_state; the ledger's clock aside).

Then nenkin_daily takes faults, with a dashboard reader querying every published relation in a
loop throughout: a `--full-refresh` run whose process group is SIGKILLed while dbt builds, then a
run SIGKILLed while its publish waits to swap the schemas (a reader transaction holds a table of
the old mart, so the swap retries), then a plain run. The reader must never get an error and
always read the complete mart; the database must end as nenkin_full is."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .daily_city import FIRST_BUILD, INCREMENTAL, DailyCity, cut_city, private, run, start
from .pg_cluster import Cluster, postgres_mart_state, wait_for

pytestmark = pytest.mark.slow

#: the published schema, then the warehouse's (raw and the ledger are the loader's; the scoring
#: schema is compared through the published models built on it; ops holds one record per run)
COMPARED_SCHEMAS = ("mart", "staging", "intermediate", "marts", "codes")
BASE_MODEL = Path(
    "nenkin_audit", "models", "staging", "kiban", "base", "base_kiban__access_log.sql"
)
PG = ("--target", "postgres")


def database_state(cluster: Cluster, database: str) -> dict[str, tuple[int, int]]:
    """{schema.relation: (rows, order-independent hash)} over the compared schemas."""
    con = cluster.connect(database)
    try:
        return {
            f"{schema}.{name}": value
            for schema in COMPARED_SCHEMAS
            for name, value in postgres_mart_state(con, schema).items()
        }
    finally:
        con.close()


def published(state: dict) -> dict:
    return {name: value for name, value in state.items() if name.startswith("mart.")}


def differing(got: dict, want: dict) -> list[str]:
    return sorted(r for r in set(got) | set(want) if got.get(r) != want.get(r))


@dataclass
class Runs:
    daily_db: str
    daily_home: Path
    full_db: str
    daily_sql: str
    daily_state: dict
    full_state: dict


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> DailyCity:
    from nenkin_audit.keys import write_key

    root = tmp_path_factory.mktemp("pg-daily")
    key_file = write_key(private(root / "keys") / "city.key", "pgdaily", os.urandom(32))
    return cut_city(root, key_file, persons=600, days=6, seed=21, misuse=True, bad_input=True)


@pytest.fixture(scope="module")
def runs(city: DailyCity, pg_cluster: Cluster) -> Runs:
    daily_db = pg_cluster.create_database("nenkin_daily")
    full_db = pg_cluster.create_database("nenkin_full")
    daily_home = private(city.root / "daily" / "home")
    full_home = private(city.root / "full" / "home")
    first = run(
        city.daily_inbox,
        daily_home,
        city.key_file,
        *PG,
        env={**pg_cluster.env(daily_db), **city.first_run_env},
    )
    assert FIRST_BUILD in first.stdout
    city.deliver_the_last_day()
    second = run(city.daily_inbox, daily_home, city.key_file, *PG, env=pg_cluster.env(daily_db))
    assert INCREMENTAL in second.stdout
    full = run(city.full_inbox, full_home, city.key_file, *PG, env=pg_cluster.env(full_db))
    assert FIRST_BUILD in full.stdout
    return Runs(
        daily_db=daily_db,
        daily_home=daily_home,
        full_db=full_db,
        daily_sql=(daily_home / "target" / "run" / BASE_MODEL).read_text(encoding="utf-8"),
        daily_state=database_state(pg_cluster, daily_db),
        full_state=database_state(pg_cluster, full_db),
    )


def test_the_daily_run_on_postgres_ends_identical_to_a_full_rebuild(runs: Runs) -> None:
    want = runs.full_state
    assert len(published(want)) >= 20, sorted(want)
    assert want.get("staging.base_kiban__access_log", (0, 0))[0] > 0
    assert want.get("mart.fct_access_events", (0, 0))[0] > 0
    assert differing(runs.daily_state, want) == []


def test_the_daily_run_on_postgres_added_only_the_new_extract_dates(
    runs: Runs, city: DailyCity, pg_cluster: Cluster
) -> None:
    """dbt ran the incremental statement (delete+insert of the new extract dates) on the access
    log's base table, and its newest extract date is the new day."""
    assert "delete from" in runs.daily_sql.lower()
    con = pg_cluster.connect(runs.daily_db)
    try:
        cur = con.cursor()
        cur.execute(
            "select to_char(_extract_date, 'YYYYMMDD'), count(*) "
            "from staging.base_kiban__access_log group by 1 order by 1"
        )
        days = cur.fetchall()
    finally:
        con.close()
    assert days[-1][0] == city.cut and days[-1][1] > 0
    assert len(days) > 2


# ------------------------------------------------------------------ killed runs


@dataclass
class Reader:
    """A dashboard user (a login member of the reviewers' group, who reads every published
    relation) counting the rows of every relation of `mart` in one statement, in a loop."""

    cluster: Cluster
    database: str
    relations: list[str]
    seen: set = field(default_factory=set)
    errors: list = field(default_factory=list)
    reads: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def probe(self) -> str:
        return "select " + ", ".join(f'(select count(*) from mart."{t}")' for t in self.relations)

    def loop(self) -> None:
        con = None
        while not self.stop.is_set():
            try:
                if con is None:
                    con = self.cluster.connect(self.database, user="daily_reader")
                with con.cursor() as cur:
                    cur.execute(self.probe())
                    self.seen.add(tuple(int(x) for x in cur.fetchone()))
                self.reads += 1
            except Exception as exc:  # every error counts, the test asserts there is none
                self.errors.append(repr(exc))
                con = None
                time.sleep(0.05)
        if con is not None:
            con.close()


def _one(cluster: Cluster, database: str, sql: str) -> object:
    con = cluster.connect(database)
    try:
        cur = con.cursor()
        cur.execute(sql)
        return cur.fetchone()[0]
    finally:
        con.close()


def _dbt_builds_the_intermediate_layer(cluster: Cluster, database: str) -> bool:
    """A dbt session of `database` has started creating a relation of the intermediate schema:
    the build is well under way (in this city, the seeds and the incremental base tables are
    rebuilt by then, and about half of the nodes are still to run)."""
    return bool(
        _one(
            cluster,
            database,
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and application_name = 'dbt' and query ilike '%create %\"intermediate\".%'",
        )
    )


def _building_schema_exists(cluster: Cluster, database: str) -> bool:
    """The publisher's `mart_building` is committed: the publish is at its swap."""
    return bool(
        _one(
            cluster,
            database,
            "select count(*) from pg_namespace where nspname = 'mart_building'",
        )
    )


def test_runs_killed_mid_build_and_mid_publish_then_rerun_end_as_a_clean_run(
    runs: Runs, city: DailyCity, pg_cluster: Cluster
) -> None:
    db, home, env = runs.daily_db, runs.daily_home, pg_cluster.env(runs.daily_db)
    clean = runs.full_state
    relations = sorted(n.split(".", 1)[1] for n in published(clean))
    expected = tuple(clean[f"mart.{t}"][0] for t in relations)
    admin = pg_cluster.connect(db)
    admin.cursor().execute("create role daily_reader login in role nenkin_reviewer")
    admin.close()
    reader = Reader(pg_cluster, db, relations)
    thread = threading.Thread(target=reader.loop)
    thread.start()
    try:
        # 1. a full rebuild killed with its dbt while dbt rebuilds the intermediate layer
        log = city.root / "killed-build.log"
        refresh = (*PG, "--full-refresh")
        proc = start(
            city.daily_inbox, home, city.key_file, *refresh, log=log, env=env, new_session=True
        )
        building = wait_for(lambda: _dbt_builds_the_intermediate_layer(pg_cluster, db), 300)
        time.sleep(2.0)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        assert building, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        assert proc.returncode == -signal.SIGKILL
        assert published(database_state(pg_cluster, db)) == published(clean)
        assert not _building_schema_exists(pg_cluster, db)

        # 2. a run killed while its publish waits to swap: a reader holds a table of the old mart
        holder = pg_cluster.connect(db)
        holder.autocommit = False
        holder.cursor().execute(f'select count(*) from mart."{relations[0]}"')
        log = city.root / "killed-publish.log"
        proc = start(city.daily_inbox, home, city.key_file, *PG, log=log, env=env)
        at_swap = wait_for(lambda: _building_schema_exists(pg_cluster, db), 600)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        holder.rollback()
        holder.close()
        out = log.read_text(encoding="utf-8", errors="replace")
        assert at_swap and "== publish" in out, out[-3000:]
        assert proc.returncode == -signal.SIGKILL
        assert _building_schema_exists(pg_cluster, db)  # the killed publish's leftover

        # 3. the plain re-run
        again = run(city.daily_inbox, home, city.key_file, *PG, env=env)
        assert again.stdout.strip().splitlines()[-1].startswith("published: schema mart")
        time.sleep(0.5)  # the reader reads the republished mart too
    finally:
        reader.stop.set()
        thread.join()
    assert not _building_schema_exists(pg_cluster, db)
    assert differing(database_state(pg_cluster, db), clean) == []
    assert reader.errors == []
    assert reader.seen == {expected}
    assert reader.reads > 20
