"""The steps of `run` that differ on the PostgreSQL target (pipeline.py calls these when
`--target postgres`): prepare the database, the loader's connection, scoring, publishing."""

from __future__ import annotations

from collections.abc import Callable
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
