"""A private PostgreSQL 15 cluster for the tests (initdb + pg_ctl, unix socket in a temp folder,
a free port), and the helpers that compare a PostgreSQL mart with a DuckDB one."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)


def pg_bin() -> Path | None:
    """The folder of initdb/pg_ctl (PostgreSQL 15's, else whatever is on PATH)."""
    for d in PG_BIN_DIRS:
        if (Path(d) / "initdb").is_file():
            return Path(d)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    socket_dir: Path
    port: int
    log: Path
    superuser: str = "postgres"

    def env(self, database: str, user: str | None = None, password: str | None = None) -> dict:
        env = {
            "PGHOST": str(self.socket_dir),
            "PGPORT": str(self.port),
            "PGUSER": user or self.superuser,
            "PGDATABASE": database,
        }
        if password is not None:
            env["PGPASSWORD"] = password
        return env

    def connect(self, database: str = "postgres", user: str | None = None, **kw: Any) -> Any:
        import psycopg2

        con = psycopg2.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=user or self.superuser,
            dbname=database,
            **kw,
        )
        con.autocommit = True
        return con

    def create_database(self, name: str) -> str:
        con = self.connect()
        try:
            con.cursor().execute(f'create database "{name}"')
        finally:
            con.close()
        return name


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as the postgres account when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextlib.contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Start a throw-away cluster with pg_stat_statements and log_statement=all; stop and remove
    it after. Its folder is a fresh one under the system temp folder (when we are root, owned by
    the postgres account, which initdb needs)."""
    bindir = pg_bin()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="nenkin-audit-pg-"))
    data, sock, log = root / "data", root / "sock", root / "server.log"
    sock.mkdir()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for p in (root, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    opts = (
        f"-p {port} -k {sock} -c listen_addresses='' "
        "-c shared_preload_libraries=pg_stat_statements -c log_statement=all "
        "-c pg_stat_statements.track=all -c fsync=off -c synchronous_commit=off"
    )
    subprocess.run(
        _as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    cluster = Cluster(root=root, socket_dir=sock, port=port, log=log)
    try:
        yield cluster
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


# ------------------------------------------------------------------ comparing marts


def _norm(v: Any) -> Any:
    """One value, engine-neutral: numbers as rounded floats, times as ISO text."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, decimal.Decimal)):
        f = float(v)
        return float(f"{f:.9g}")
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return tuple(_norm(x) for x in v)
    return str(v)


def _state(rows: list[tuple]) -> tuple[int, int]:
    """(rows, order-independent hash of the normalised rows)."""
    import hashlib

    total = 0
    for r in rows:
        h = hashlib.sha256(repr(tuple(_norm(x) for x in r)).encode()).digest()
        total = (total + int.from_bytes(h[:8], "big")) % (1 << 64)
    return len(rows), total


#: when a file was loaded differs between any two runs (the ledger's clock), nothing else may
VOLATILE_SUFFIX = "loaded_at"


def _select(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns if not c.endswith(VOLATILE_SUFFIX))


def duckdb_mart_state(path: Path) -> dict[str, tuple[int, int]]:
    """{relation: (rows, order-independent hash)} of a published DuckDB mart."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        cols: dict[str, list[str]] = {}
        for t, c in con.sql(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' order by table_name, ordinal_position"
        ).fetchall():
            cols.setdefault(t, []).append(c)
        return {
            t: _state(con.sql(f'select {_select(c)} from main."{t}"').fetchall())
            for t, c in cols.items()
        }
    finally:
        con.close()


def postgres_mart_state(con: Any, schema: str = "mart") -> dict[str, tuple[int, int]]:
    """The same for the PostgreSQL schema `schema`."""
    with con.cursor() as cur:
        cur.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = %s order by table_name, ordinal_position",
            (schema,),
        )
        cols: dict[str, list[str]] = {}
        for t, c in cur.fetchall():
            cols.setdefault(t, []).append(c)
        out = {}
        for t, c in cols.items():
            cur.execute(f'select {_select(c)} from "{schema}"."{t}"')
            out[t] = _state(cur.fetchall())
        return out


def wait_for(predicate: Any, seconds: float = 30) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False
