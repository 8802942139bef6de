"""Publishing the mart on PostgreSQL: the public models (dbt ``access: public``) are copied from
the restricted schema ``marts`` into ``mart_building``, checked (every public model with the
columns its contract declares, the row counts of the build, no identifier column), granted to the
dashboard roles, and then swapped in one transaction:

    lock every table of mart (NOWAIT) → rename mart to mart_retired → rename mart_building to mart
    → drop mart_retired → commit

- A reader never waits on the publisher while holding a table the publisher wants (the lock is
  NOWAIT, retried until no reader holds the old tables), so there is no deadlock and no error.
  A query that starts during the swap waits for its commit, then resolves its names again and
  reads the new mart; a query either reads the old tables or the new ones, never both.
- Any failure before the commit leaves the published mart as it was (`mart_building` is only
  ever dropped and rebuilt).
- The grants go with the schema and its tables: dashboard roles read ``mart`` and nothing else
  of the build; the reviewers' access tier (`access_tier`) is read by the security staff and the
  auditors only."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..home import Home
from ..publish import PublicModel, confined_columns, public_models
from .connect import (
    DASHBOARD_ROLES,
    GROUP_ROLES,
    MART,
    MART_BUILDING,
    MART_RETIRED,
    connect,
    owner_role,
    q,
)

#: the groups that read the reviewers' access tier
TIER_ROLES = ("reviewer", "auditor")
#: how long the swap keeps retrying while readers hold the old mart's tables
SWAP_WAIT_SECONDS = 300.0


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(cur: Any, schema: str, table: str) -> list[str]:
    cur.execute(
        "select column_name from information_schema.columns where table_schema = %s "
        "and table_name = %s order by ordinal_position",
        (schema, table),
    )
    return [r[0] for r in cur.fetchall()]


def access_tier(manifest_path: Path) -> set[str]:
    """The public models of the reviewers' access tier (model meta ``linkage: excluded``: the
    line-level access facts, fct_access_events/flags/cases): granted to the security staff and
    the auditors only, not to the managers' group."""
    import json

    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out = set()
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("access") != "public":
            continue
        meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
        if meta.get("linkage") == "excluded":
            out.add(node.get("alias") or node["name"])
    return out


def _build(
    cur: Any, models: list[PublicModel], tier: set[str], forbidden: frozenset[str]
) -> dict[str, int]:
    readers = ", ".join(q(GROUP_ROLES[r]) for r in DASHBOARD_ROLES)
    tier_readers = ", ".join(q(GROUP_ROLES[r]) for r in TIER_ROLES)
    counts: dict[str, int] = {}
    cur.execute("begin")
    try:
        cur.execute(f"drop schema if exists {MART_BUILDING} cascade")
        cur.execute(f"create schema {MART_BUILDING}")
        cur.execute(f"grant usage on schema {MART_BUILDING} to {readers}")
        for m in models:
            cols = _columns(cur, m.schema, m.name)
            if not cols:
                raise UserError(
                    f"public model {m.schema}.{m.name} is not built in the warehouse; run the "
                    "dbt build before publishing"
                )
            bad = [c for c in cols if c.lower() in forbidden]
            if bad:
                raise UserError(
                    f"public model {m.name} has identifier column(s) {bad}; refusing to publish"
                )
            if m.columns and list(m.columns) != cols:
                raise UserError(
                    f"public model {m.name}: warehouse columns {cols} differ from its contract "
                    f"{list(m.columns)}; rebuild with dbt"
                )
            src = f"{q(m.schema)}.{q(m.name)}"
            dst = f"{MART_BUILDING}.{q(m.name)}"
            cur.execute(f"create table {dst} as select * from {src}")
            n_dst = cur.rowcount
            cur.execute(f"select count(*) from {src}")
            n_src = cur.fetchone()[0]
            if n_src != n_dst:
                raise RuntimeError(f"publish: {m.name} copied {n_dst} of {n_src} rows")
            counts[m.name] = n_dst
            cur.execute(f"grant select on {dst} to {tier_readers if m.name in tier else readers}")
            if m.description:
                cur.execute(f"comment on table {dst} is {_lit(m.description)}")
            for col, text in m.column_descriptions.items():
                if text and col in cols:
                    cur.execute(f"comment on column {dst}.{q(col)} is {_lit(text)}")
            cur.execute(f"analyze {dst}")
        cur.execute("commit")
    except BaseException:
        cur.execute("rollback")
        raise
    return counts


def _swap(cur: Any, wait: float) -> None:
    import psycopg2.errors

    deadline = time.monotonic() + wait
    while True:
        cur.execute("begin")
        try:
            cur.execute("select count(*) from pg_namespace where nspname = %s", (MART,))
            exists = bool(cur.fetchone()[0])
            if exists:
                cur.execute(
                    "select format('%%I.%%I', schemaname, tablename) from pg_tables "
                    "where schemaname = %s order by tablename",
                    (MART,),
                )
                tables = [r[0] for r in cur.fetchall()]
                if tables:
                    cur.execute(f"lock table {', '.join(tables)} in access exclusive mode nowait")
                cur.execute(f"alter schema {MART} rename to {MART_RETIRED}")
            cur.execute(f"alter schema {MART_BUILDING} rename to {MART}")
            if exists:
                cur.execute(f"drop schema {MART_RETIRED} cascade")
            cur.execute("commit")
            return
        except psycopg2.errors.LockNotAvailable:
            cur.execute("rollback")
            if time.monotonic() > deadline:
                raise UserError(
                    f"publish: readers kept the published mart busy for {wait:.0f}s; the new "
                    f"mart is ready in the schema {MART_BUILDING} and the old one is unchanged. "
                    "Run again when the dashboards are quieter."
                ) from None
            time.sleep(0.05)
        except BaseException:
            cur.execute("rollback")
            raise


def publish_postgres(
    home: Home, manifest_path: Path | None = None, *, wait: float = SWAP_WAIT_SECONDS
) -> str:
    """Publish the public models of the PostgreSQL warehouse; returns where they are."""
    manifest_path = manifest_path or home.dbt_target / "manifest.json"
    models = public_models(manifest_path)
    tier = access_tier(manifest_path)
    con = connect()
    try:
        with con.cursor() as cur:
            cur.execute(f"set role {q(owner_role())}")
            _build(cur, models, tier, confined_columns(manifest_path))
            _swap(cur, wait)
            dsn = con.get_dsn_parameters()
    finally:
        con.close()
    host = dsn.get("host", "")
    return f"schema {MART} of database {dsn.get('dbname')} on {host}:{dsn.get('port')}"
