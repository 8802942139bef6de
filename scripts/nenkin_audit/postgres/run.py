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
