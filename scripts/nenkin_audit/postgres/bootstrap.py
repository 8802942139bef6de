"""Everything a run needs on the PostgreSQL warehouse, created idempotently (safe on every run):

- roles (NOLOGIN): the owner (``nenkin_owner``, NOINHERIT, owns every schema and table, runs the
  build and the publish), the key role (``nenkin_keyholder``, owns the key table and the
  pseudonym functions, nothing else), and the groups loader, builder, manager, reviewer,
  auditor (per-person login roles are made members of a group);
- schemas: raw, codes, staging, intermediate, marts, scoring (as on DuckDB), review, keyring;
  the published ``mart`` is made by the first publish, never empty;
- the keyed pseudonym: ``keyring.pseudonym(kind, value)`` and ``keyring.pseudonym_key_id()``,
  SECURITY DEFINER functions of the key role over ``keyring.pseudonym_key``, a table nobody else
  can read; the construction is exactly `nenkin_audit.pseudonym` (tested);
- the key row, loaded with COPY FROM STDIN: the key travels as COPY data, never in SQL text, so
  it cannot reach the server log (log_statement) or pg_stat_statements.

Creating roles needs a superuser (or CREATEROLE); once they exist, a login member of the owner
role can run everything else."""

from __future__ import annotations

import io
from typing import Any

from ..errors import UserError
from ..keys import PseudonymKey
from ..pseudonym import HEX_DIGITS, KINDS
from .connect import (
    BUILD_SCHEMAS,
    GROUP_ROLES,
    KEY_ROLE,
    KEYRING,
    RAW,
    REVIEW,
    owner_role,
    q,
)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _one(cur: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
    cur.execute(sql, params)
    row = cur.fetchone()
    return row[0] if row else None


def _role_exists(cur: Any, role: str) -> bool:
    return bool(_one(cur, "select count(*) from pg_roles where rolname = %s", (role,)))


def _ensure_roles(cur: Any, owner: str) -> None:
    wanted = [
        (owner, "nologin noinherit"),
        (KEY_ROLE, "nologin"),
        *[(r, "nologin") for r in GROUP_ROLES.values()],
    ]
    missing = [r for r, _ in wanted if not _role_exists(cur, r)]
    if not missing:
        return
    can = _one(cur, "select rolsuper or rolcreaterole from pg_roles where rolname = current_user")
    if not can:
        raise UserError(
            f"the PostgreSQL role(s) {', '.join(missing)} do not exist and {_one(cur, 'select current_user')} "
            "may not create roles: run `nenkin-audit run --target postgres` once as a superuser "
            "(PGUSER), or have a DBA create them (see README, PostgreSQL target)"
        )
    for role, attrs in wanted:
        if role in missing:
            cur.execute(f"create role {q(role)} {attrs}")


def _grant_membership(cur: Any, role: str, member: str) -> None:
    if not _one(
        cur,
        "select count(*) from pg_auth_members m join pg_roles r on r.oid = m.roleid "
        "join pg_roles u on u.oid = m.member where r.rolname = %s and u.rolname = %s",
        (role, member),
    ):
        cur.execute(f"grant {q(role)} to {q(member)}")


def _is_superuser(cur: Any) -> bool:
    return bool(_one(cur, "select rolsuper from pg_roles where rolname = current_user"))


def _extension_schema(cur: Any) -> str:
    schema = _one(
        cur,
        "select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace "
        "where e.extname = 'pgcrypto'",
    )
    if schema is None:
        try:
            cur.execute(f"create extension if not exists pgcrypto schema {q(KEYRING)}")
        except Exception as exc:
            raise UserError(
                "the pgcrypto extension is missing and cannot be created here "
                f"({str(exc).strip().splitlines()[0]}): install postgresql-contrib and run once "
                "as a superuser, or `create extension pgcrypto` as the database owner"
            ) from None
        schema = KEYRING
    return str(schema)


def function_sql(crypto_schema: str) -> str:
    """The DDL of the two pseudonym functions (no key material: they read the key table)."""
    kinds = ", ".join(_lit(k) for k in KINDS)
    hmac = f"{q(crypto_schema)}.hmac"
    return f"""
create or replace function {KEYRING}.pseudonym(kind text, value text) returns text
language plpgsql stable strict parallel safe security definer
set search_path = pg_catalog, pg_temp
as $fn$
declare
    k record;
begin
    if kind not in ({kinds}) then
        raise exception 'unknown pseudonym kind %; use one of %', kind, {_lit(", ".join(KINDS))};
    end if;
    select key_id, secret into k from {KEYRING}.pseudonym_key;
    if not found then
        raise exception 'no pseudonym key is loaded: run nenkin-audit run --target postgres '
            'with NENKIN_AUDIT_KEY_FILE set';
    end if;
    return k.key_id || ':' || substr(
        encode({hmac}(convert_to(kind || ':' || value, 'UTF8'), k.secret, 'sha256'), 'hex'),
        1, {HEX_DIGITS});
end
$fn$;
create or replace function {KEYRING}.pseudonym_key_id() returns text
language plpgsql stable parallel safe security definer
set search_path = pg_catalog, pg_temp
as $fn$
declare
    kid text;
begin
    select key_id into kid from {KEYRING}.pseudonym_key;
    if kid is null then
        raise exception 'no pseudonym key is loaded: run nenkin-audit run --target postgres '
            'with NENKIN_AUDIT_KEY_FILE set';
    end if;
    return kid;
end
$fn$;
"""


def _ensure_keyring(cur: Any, owner: str) -> None:
    """The key schema, table and functions, owned by the key role; callable by owner and
    builder only; the table readable by the key role only."""
    builder = GROUP_ROLES["builder"]
    cur.execute(f"create schema if not exists {KEYRING} authorization {q(KEY_ROLE)}")
    cur.execute(f"set role {q(KEY_ROLE)}")
    try:
        cur.execute(
            f"create table if not exists {KEYRING}.pseudonym_key ("
            "one_row boolean primary key default true check (one_row), "
            "key_id text not null, secret bytea not null, loaded_at timestamptz not null)"
        )
        cur.execute(f"revoke all on {KEYRING}.pseudonym_key from public")
    finally:
        cur.execute("reset role")
    crypto = _extension_schema(cur)
    cur.execute(f"set role {q(KEY_ROLE)}")
    try:
        cur.execute(function_sql(crypto))
        for fn in ("pseudonym(text, text)", "pseudonym_key_id()"):
            cur.execute(f"revoke all on function {KEYRING}.{fn} from public")
            cur.execute(f"grant execute on function {KEYRING}.{fn} to {q(owner)}, {q(builder)}")
        cur.execute(f"grant usage on schema {KEYRING} to {q(owner)}, {q(builder)}")
    finally:
        cur.execute("reset role")


def load_key(con: Any, key: PseudonymKey) -> None:
    """Put the key in the key table (replacing another one): COPY FROM STDIN, as the key role, so
    the secret is COPY data only: never part of a statement's text."""
    data = f"{key.key_id}\t\\\\x{key.secret.hex()}\n"
    with con.cursor() as cur:
        cur.execute("begin")
        try:
            cur.execute(f"set local role {q(KEY_ROLE)}")
            cur.execute(
                "create temp table nenkin_incoming_key (key_id text, secret bytea) on commit drop"
            )
            cur.copy_expert(
                "copy nenkin_incoming_key (key_id, secret) from stdin", io.StringIO(data)
            )
            cur.execute(
                f"insert into {KEYRING}.pseudonym_key (key_id, secret, loaded_at) "
                "select key_id, secret, now() from nenkin_incoming_key "
                "on conflict (one_row) do update set key_id = excluded.key_id, "
                "secret = excluded.secret, loaded_at = excluded.loaded_at "
                "where pseudonym_key.key_id is distinct from excluded.key_id "
                "or pseudonym_key.secret is distinct from excluded.secret"
            )
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise


def _ensure_schemas(cur: Any, owner: str) -> None:
    for schema in (RAW, *BUILD_SCHEMAS, REVIEW):
        cur.execute(f"create schema if not exists {q(schema)} authorization {q(owner)}")
    g = GROUP_ROLES
    dashboards = ", ".join(q(g[r]) for r in ("manager", "reviewer", "auditor"))
    grants = [
        # the loader writes the raw layer and its ledger
        f"grant usage on schema {RAW} to {q(g['loader'])}, {q(g['builder'])}",
        f"grant select, insert on all tables in schema {RAW} to {q(g['loader'])}",
        f"grant select on all tables in schema {RAW} to {q(g['builder'])}",
        f"alter default privileges for role {q(owner)} in schema {RAW} "
        f"grant select, insert on tables to {q(g['loader'])}",
        f"alter default privileges for role {q(owner)} in schema {RAW} "
        f"grant select on tables to {q(g['builder'])}",
        # review decisions: the security staff append, auditors read
        f"grant usage on schema {REVIEW} to {dashboards}",
    ]
    for schema in BUILD_SCHEMAS:
        grants.append(f"grant usage, create on schema {q(schema)} to {q(g['builder'])}")
    for sql in grants:
        cur.execute(sql)
    cur.execute(f"set role {q(owner)}")
    try:
        cur.execute(
            f"create table if not exists {REVIEW}.decisions ("
            "decision_id bigint generated always as identity primary key, "
            "case_id text not null, disposition text not null, reason text not null, "
            "reviewer text not null, decided_at timestamp not null, "
            "db_user text not null default session_user)"
        )
        cur.execute(f"grant select, insert on {REVIEW}.decisions to {q(g['reviewer'])}, {q(owner)}")
        cur.execute(f"grant select on {REVIEW}.decisions to {q(g['auditor'])}")
        cur.execute(f"revoke update, delete, truncate on {REVIEW}.decisions from public")
    finally:
        cur.execute("reset role")


def bootstrap(con: Any, key: PseudonymKey) -> str:
    """Create what is missing and load the key; returns the owner role the build runs as."""
    owner = owner_role()
    with con.cursor() as cur:
        cur.execute("reset role")
        superuser = _is_superuser(cur)
        _ensure_roles(cur, owner)
        me = _one(cur, "select current_user")
        if superuser:
            db = _one(cur, "select current_database()")
            cur.execute(f"grant connect, create on database {q(db)} to {q(owner)}, {q(KEY_ROLE)}")
            cur.execute(
                f"grant connect on database {q(db)} to "
                + ", ".join(q(r) for r in GROUP_ROLES.values())
            )
            _grant_membership(cur, KEY_ROLE, owner)
        elif me != owner:
            member = _one(cur, "select pg_has_role(current_user, %s, 'member')", (owner,))
            if not member:
                raise UserError(
                    f"the PostgreSQL user {me} (PGUSER) is neither a superuser nor a member of "
                    f"the owner role {owner}: connect as one of them"
                )
        _ensure_schemas(cur, owner)
        _ensure_keyring(cur, owner)
    load_key(con, key)
    return owner
