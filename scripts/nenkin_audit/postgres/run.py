"""The steps of `run` that differ on the PostgreSQL target (pipeline.py calls these when
`--target postgres`): prepare the database, the loader's connection, scoring, publishing."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..home import Home
from ..keys import load_key
from ..scoring import ScoreSummary
from .bootstrap import bootstrap
from .connect import connect


def prepare(key_file: Path) -> str:
    """Create what is missing (schemas, roles, functions) and load the key; says what it did."""
    con = connect()
    try:
        owner = bootstrap(con, load_key(key_file))
        dsn = con.get_dsn_parameters()
    finally:
        con.close()
    return (
        f"PostgreSQL database {dsn.get('dbname')} on {dsn.get('host')}:{dsn.get('port')} "
        f"ready (owner role {owner}, key loaded)"
    )


def loader_connection() -> Any:
    from .loader import PgLoaderConnection

    return PgLoaderConnection()


def score(home: Home, say: Callable[[str], None]) -> ScoreSummary:
    from .scoring import score_postgres

    return score_postgres(home.root / "scoring-work.duckdb", model_store=home.models, say=say)


def publish(home: Home) -> str:
    from .publish import publish_postgres

    return publish_postgres(home)


def write_run_record(record: Any) -> None:
    """Append the run record to ops.run_records in the PostgreSQL warehouse (the same columns as
    on DuckDB, runlog.RUN_RECORD_COLUMNS), as the owner role; readable by the auditor group."""
    from ..runlog import RUN_RECORD_COLUMNS, RUNS_SCHEMA, RUNS_TABLE
    from .connect import GROUP_ROLES, owner_role, q

    cols = ", ".join(f"{c} {t}" for c, t in RUN_RECORD_COLUMNS)
    names = ", ".join(c for c, _ in RUN_RECORD_COLUMNS)
    marks = ", ".join("%s" for _ in RUN_RECORD_COLUMNS)
    con = connect()
    try:
        cur = con.cursor()
        cur.execute(f"set role {q(owner_role())}")
        cur.execute(f"create schema if not exists {RUNS_SCHEMA}")
        cur.execute(f"create table if not exists {RUNS_SCHEMA}.{RUNS_TABLE} ({cols})")
        auditor = q(GROUP_ROLES["auditor"])
        cur.execute(f"grant usage on schema {RUNS_SCHEMA} to {auditor}")
        cur.execute(f"grant select on {RUNS_SCHEMA}.{RUNS_TABLE} to {auditor}")
        cur.execute(
            f"insert into {RUNS_SCHEMA}.{RUNS_TABLE} ({names}) values ({marks})", record.row()
        )
    finally:
        con.close()


def _owner_rows(sql: str, params: tuple = ()) -> list[tuple] | None:
    """Rows of one query as the owner role; None when a relation it reads does not exist yet."""
    import psycopg2

    from .connect import owner_role, q

    con = connect()
    try:
        cur = con.cursor()
        cur.execute(f"set role {q(owner_role())}")
        try:
            cur.execute(sql, params)
        except psycopg2.errors.UndefinedTable:
            return None
        return cur.fetchall()
    finally:
        con.close()


def anything_loaded() -> bool:
    """Whether the ledger holds a loaded file (an empty database has published nothing yet)."""
    rows = _owner_rows("select count(*) from raw.load_files where status = 'loaded'")
    return bool(rows and rows[0][0])


def last_deliveries() -> tuple[dict[str, dt.date], dt.date | None]:
    """The ledger's newest extract date per extract and its newest entry's date (freshness.py)."""
    from ..freshness import LAST_DELIVERIES_SQL, LEDGER_LAST_SQL

    rows = _owner_rows(LAST_DELIVERIES_SQL) or []
    ledger = _owner_rows(LEDGER_LAST_SQL) or [(None,)]
    newest = ledger[0][0].date() if ledger[0][0] is not None else None
    return {str(e): d for e, d in rows}, newest


def quarantined_by_reason(manifest: Path, files: list[str]) -> dict[str, int] | None:
    """Rows of `files` in the restricted quarantine relation, by reason code (run_summary.py)."""
    from ..run_summary import quarantine_relation

    relation = quarantine_relation(manifest)
    if relation is None:
        return None
    rows = _owner_rows(
        f"select reject_reason, count(*) from {relation} where _file_name = any(%s) "
        "group by reject_reason order by 2 desc, 1",
        (list(files),),
    )
    return None if rows is None else {str(reason): int(n) for reason, n in rows}


#: pg_advisory_lock key of `run` (any bigint the database's other users do not take): one run
#: builds and publishes a PostgreSQL warehouse at a time, whichever machine or home it runs from
RUN_LOCK_KEY = 0x6E656E6B696E  # "nenkin"


@contextlib.contextmanager
def database_lock(wait: float) -> Iterator[bool]:
    """Hold the database's run lock for the block (True), or yield False when another run holds
    it for longer than `wait` seconds. The lock is a session advisory lock: PostgreSQL releases
    it when this connection ends, also when the run is killed."""
    con = connect(application_name="nenkin-audit run lock")
    try:
        cur = con.cursor()
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            cur.execute("select pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,))
            if cur.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
        yield True
    finally:
        con.close()


#: the id of the last complete build the database holds (incremental.build_mode compares it
#: with the home's): one row, replaced by each complete build
BUILD_STATE_TABLE = "ops.build_state"


def recorded_build_id() -> str | None:
    """The id of the last complete build recorded in the database (None: none, or no table)."""
    rows = _owner_rows(f"select build_id from {BUILD_STATE_TABLE}")
    return str(rows[0][0]) if rows else None


def record_build(build_id: str) -> None:
    """Record a complete build in the database, as the owner role, in one transaction."""
    from .connect import owner_role, q

    con = connect()
    try:
        cur = con.cursor()
        cur.execute(f"set role {q(owner_role())}")
        cur.execute("create schema if not exists ops")
        cur.execute(
            f"create table if not exists {BUILD_STATE_TABLE} "
            "(build_id text not null, built_at timestamptz not null)"
        )
        cur.execute("begin")
        cur.execute(f"delete from {BUILD_STATE_TABLE}")
        cur.execute(f"insert into {BUILD_STATE_TABLE} values (%s, now())", (build_id,))
        cur.execute("commit")
    finally:
        con.close()
