"""Connections to the PostgreSQL warehouse (libpq environment variables) and the names of its
schemas and roles: one place, so bootstrap, loader, publisher, dashboards and tests agree."""

from __future__ import annotations

import os
from typing import Any

from ..errors import UserError

#: Schemas dbt builds into (the same names as on DuckDB) and the loader's raw schema.
RAW = "raw"
BUILD_SCHEMAS = ("codes", "staging", "intermediate", "marts", "scoring")
#: The published mart (docs/published-contract.md §3), the schema the next one is built in, and the
#: name the previous one has for the moment of the swap.
MART = "mart"
MART_BUILDING = "mart_building"
MART_RETIRED = "mart_retired"
#: Review decisions of the security staff (written by the dashboards, never by `run`).
REVIEW = "review"
#: The pseudonym key and the functions that use it: readable by the key role only.
KEYRING = "keyring"

#: The role that owns every schema and table and runs the build and the publish (NOINHERIT: it
#: does not get the key role's rights by being granted it, it must SET ROLE to load a key).
OWNER_ROLE_ENV = "NENKIN_AUDIT_PG_OWNER"
DEFAULT_OWNER = "nenkin_owner"
KEY_ROLE = "nenkin_keyholder"
#: NOLOGIN group roles; per-person login roles are made members (`grant nenkin_reviewer to x`).
GROUP_ROLES = {
    "loader": "nenkin_loader",
    "builder": "nenkin_builder",
    "manager": "nenkin_manager",
    "reviewer": "nenkin_reviewer",
    "auditor": "nenkin_auditor",
}
DASHBOARD_ROLES = ("manager", "reviewer", "auditor")

#: Session settings of dbt's connections (libpq PGOPTIONS; an operator's own PGOPTIONS follow
#: and win). No nested-loop joins: the build's tables have no indexes, and PostgreSQL, which
#: estimates a ranked or grouped subquery's rows at a fraction of the truth, otherwise picks a
#: nested loop over two tables of tens of thousands of rows. At city scale stg_jps__kekka ran
#: over 27 minutes that way, and 2.3 s with hash joins. A join with no equality still runs as a
#: nested loop (the setting only makes it the last resort).
BUILD_SESSION_OPTIONS = "-c enable_nestloop=off"


def build_session_options(operator_options: str | None) -> str:
    """PGOPTIONS for dbt's connections: the build's settings, then the operator's."""
    return " ".join(o for o in (BUILD_SESSION_OPTIONS, operator_options or "") if o)


def owner_role() -> str:
    return os.environ.get(OWNER_ROLE_ENV) or DEFAULT_OWNER


def connect(**overrides: Any) -> Any:
    """A psycopg2 connection from the libpq environment (autocommit; callers open transactions
    with an explicit `begin`). Errors say what to set, never echo a password."""
    import psycopg2

    params = {"application_name": "nenkin-audit", **overrides}
    try:
        con = psycopg2.connect("", **params)
    except psycopg2.OperationalError as exc:
        where = ", ".join(
            f"{k}={os.environ[k]}"
            for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")
            if k in os.environ
        )
        raise UserError(
            f"cannot connect to PostgreSQL ({where or 'libpq defaults'}): "
            f"{str(exc).strip().splitlines()[0]}. Set PGHOST, PGPORT, PGUSER, PGDATABASE and "
            "PGPASSWORD (or ~/.pgpass) to the warehouse database"
        ) from None
    con.autocommit = True
    return con


def q(ident: str) -> str:
    """A quoted SQL identifier."""
    return '"' + ident.replace('"', '""') + '"'
