"""The dashboards on a PostgreSQL warehouse: where they connect, how they read the published mart,
and where review decisions go.

The home says so with a file ``<home>/postgres.toml`` (absent: the DuckDB files of the home, the
default)::

    # libpq connection strings, one per role group; the password is in ~/.pgpass or a
    # pg_service.conf entry of the account that runs `nenkin-audit serve`, never here.
    [dashboards]
    manager = "host=db.example port=5432 dbname=nenkin user=ui_manager"
    reviewer = "service=nenkin_reviewer"
    auditor = "service=nenkin_auditor"

A dashboard user reads with the credentials of their role group (the first of their roles that
has a connection string); those login roles are members of nenkin_manager / nenkin_reviewer /
nenkin_auditor, which can read the schema ``mart`` and ``review`` and nothing else.

Reading: `open_published_postgres` copies the published relations the role may read into a private in-memory
DuckDB (the pages' SQL is the same on both targets), in one transaction that first takes a
share lock on every table of the mart, so the copy is of one publication: the publisher's swap
waits for it (it never makes a reader wait or fail, see postgres.publish). The copy is taken
again when the schema ``mart`` is a new one (`publication_id`: its oid changes at every swap)."""

from __future__ import annotations

import io
import tomllib
from dataclasses import dataclass
from typing import Any

import duckdb

from ..errors import UserError
from ..home import Home
from .connect import DASHBOARD_ROLES, MART, REVIEW, q

CONFIG_FILE = "postgres.toml"


@dataclass(frozen=True)
class DashboardConnections:
    by_role: dict[str, str]  # role group -> libpq connection string

    def for_roles(self, roles: tuple[str, ...] | list[str] | None) -> str:
        """The connection string of the first of `roles` that has one (None: any, in the order
        manager, reviewer, auditor: every group reads the same mart)."""
        order = list(roles) if roles else list(DASHBOARD_ROLES)
        for role in order:
            if role in self.by_role:
                return self.by_role[role]
        raise UserError(
            f"{CONFIG_FILE}: no connection string for the role(s) {', '.join(order)} in "
            "[dashboards]; add one (see README, PostgreSQL target)"
        )


def dashboard_connections(home: Home) -> DashboardConnections | None:
    """The home's PostgreSQL settings for the dashboards, or None for the DuckDB default."""
    path = home.root / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path} is not valid TOML: {exc}") from None
    section = data.get("dashboards") or {}
    by_role = {str(k): str(v) for k, v in section.items() if k in DASHBOARD_ROLES}
    unknown = sorted(set(section) - set(DASHBOARD_ROLES))
    if unknown or not by_role:
        raise UserError(
            f"{path}: [dashboards] must give a libpq connection string for each of "
            f"{', '.join(DASHBOARD_ROLES)} (found {sorted(section)})"
        )
    if any("password" in v.lower() for v in by_role.values()):
        raise UserError(
            f"{path}: a password does not belong in this file; put it in ~/.pgpass or a "
            "pg_service.conf entry of the account that runs the dashboards"
        )
    return DashboardConnections(by_role)


def _connect(conninfo: str, **kw: Any) -> Any:
    import psycopg2

    try:
        con = psycopg2.connect(conninfo, application_name="nenkin-audit dashboards", **kw)
    except psycopg2.OperationalError as exc:
        raise UserError(
            f"the dashboards cannot connect to PostgreSQL: {str(exc).strip().splitlines()[0]}"
        ) from None
    return con


def publication_id(conninfo: str) -> int | None:
    """The oid of the published schema (a new one at every publish), None before the first."""
    con = _connect(conninfo)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute("select oid from pg_namespace where nspname = %s", (MART,))
            row = cur.fetchone()
            return int(row[0]) if row else None
    finally:
        con.close()


_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "smallint": "SMALLINT",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
}


def _duck_type(pg_type: str, precision: Any, scale: Any) -> str:
    if pg_type in _TYPES:
        return _TYPES[pg_type]
    if pg_type == "numeric":
        return f"DECIMAL({precision}, {scale or 0})" if precision else "DOUBLE"
    return "VARCHAR"


def open_published_postgres(conninfo: str) -> Any:
    """A DuckDB connection holding a copy of the published mart, able to read nothing else."""
    pg = _connect(conninfo)
    duck = duckdb.connect(":memory:")
    try:
        with pg.cursor() as cur:
            cur.execute("begin isolation level repeatable read read only")
            cur.execute(
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = %s and c.relkind = 'r' "
                "and has_table_privilege(c.oid, 'SELECT') order by c.relname",
                (MART,),
            )
            tables = [r[0] for r in cur.fetchall()]
            if not tables:
                raise UserError(
                    "no published mart in PostgreSQL yet: run `nenkin-audit run --target "
                    "postgres --inbox DIR` first"
                )
            cur.execute(
                f"lock table {', '.join(f'{MART}.{q(t)}' for t in tables)} in access share mode"
            )
            for t in tables:
                cur.execute(
                    "select column_name, data_type, numeric_precision, numeric_scale "
                    "from information_schema.columns where table_schema = %s and table_name = %s "
                    "order by ordinal_position",
                    (MART, t),
                )
                cols = cur.fetchall()
                duck.execute(
                    f"create table {q(t)} ("
                    + ", ".join(f"{q(c)} {_duck_type(ty, p, s)}" for c, ty, p, s in cols)
                    + ")"
                )
                buf = io.BytesIO()
                cur.copy_expert(
                    f"copy {MART}.{q(t)} to stdout with (format csv, header false)", buf
                )
                if buf.tell():
                    frame = _read_csv(buf.getvalue(), [c for c, *_ in cols])
                    duck.register("incoming", frame)
                    duck.execute(f"insert into {q(t)} select * from incoming")
                    duck.unregister("incoming")
            cur.execute("commit")
        duck.execute("set enable_external_access = false")
        duck.execute("set lock_configuration = true")
    except BaseException:
        duck.close()
        raise
    finally:
        pg.close()
    return duck


def _read_csv(data: bytes, columns: list[str]) -> Any:
    """PostgreSQL's CSV as a polars frame of text columns (an empty field is null); DuckDB casts
    them to the table's types on insert."""
    import polars as pl

    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        new_columns=columns,
        infer_schema=False,
    )


# ------------------------------------------------------------------ review decisions


def record_decision(
    conninfo: str, case_id: str, disposition: str, reason: str, reviewer: str, decided_at: Any
) -> int:
    con = _connect(conninfo)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(
                f"insert into {REVIEW}.decisions (case_id, disposition, reason, reviewer, "
                "decided_at) values (%s, %s, %s, %s, %s) returning decision_id",
                (case_id, disposition, reason, reviewer, decided_at),
            )
            return int(cur.fetchone()[0])
    finally:
        con.close()


def decision_rows(conninfo: str) -> list[tuple]:
    con = _connect(conninfo)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(
                "select decision_id, case_id, disposition, reason, reviewer, decided_at "
                f"from {REVIEW}.decisions order by decided_at, decision_id"
            )
            return cur.fetchall()
    finally:
        con.close()
