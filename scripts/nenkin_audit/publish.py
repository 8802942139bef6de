"""Atomic publishing of the mart, and the read-only opener the dashboards use.

`publish(home)` copies exactly the public models (dbt ``access: public``, read from
``target/manifest.json``) from the restricted warehouse into ``<home>/mart.duckdb.building``,
verifies the copy (every public model present with the columns its contract declares, row counts
equal to the warehouse, no column with an identifier's name), checkpoints and fsyncs it, then
``os.replace``s it over ``<home>/mart.duckdb`` and fsyncs the folder.

- A reader that has the old file open keeps reading the old file (the rename swaps the directory
  entry; the open file stays intact) and sees the new one when it opens again.
- Any failure before the rename leaves the previous publication untouched; the half-built file
  is removed.
- The published relations live in the file's default schema under the model's name
  (``select * from fct_reconciliation``), with the model and column descriptions as comments.

`open_published(home)` is the only way the dashboards open data: a fresh in-memory DuckDB that
attaches the published file read-only, makes it the default catalog, and then switches external
access off and locks the configuration, so that connection cannot read any other file (not the
warehouse, not raw files, not CSVs).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .errors import UserError
from .home import Home

#: Column names that would mean an identifier reached the mart; publishing refuses them even if a
#: model slipped through dbt's governance tests.
FORBIDDEN_COLUMN_RE = re.compile(
    r"^(kojin_no|atena_no|setai_no|setainushi_atena_no|seikyusha_atena_no|staff_atena_no|"
    r"kiso_nenkin_no|shosho_no|shimei|shimei_kana|address|.*_address|tel|birth_date|tokki|"
    r"shindansho|subj_.*)$"
)

BUILDING_SUFFIX = ".building"


@dataclass(frozen=True)
class PublicModel:
    name: str  # relation name in the published file (the model's alias)
    unique_id: str
    schema: str  # schema in the warehouse
    columns: tuple[str, ...]  # as declared in the model's contract (yml), in order
    description: str
    column_descriptions: dict[str, str]


def public_models(manifest_path: Path) -> list[PublicModel]:
    """The enabled, non-ephemeral models with ``access: public`` in a dbt manifest."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"no dbt manifest at {manifest_path}: run `nenkin-audit run` (or `nenkin-audit dbt -- "
            "build`) first, the publisher reads the list of public models from it"
        ) from None
    out: list[PublicModel] = []
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model" or node.get("access") != "public":
            continue
        config = node.get("config") or {}
        if config.get("enabled") is False:
            continue
        if config.get("materialized") == "ephemeral":
            raise UserError(f"public model {uid} is ephemeral; public models must be tables")
        cols = node.get("columns") or {}
        out.append(
            PublicModel(
                name=node.get("alias") or node["name"],
                unique_id=uid,
                schema=node["schema"],
                columns=tuple(c.get("name", k) for k, c in cols.items()),
                description=node.get("description") or "",
                column_descriptions={
                    c.get("name", k): c.get("description") or "" for k, c in cols.items()
                },
            )
        )
    if not out:
        raise UserError(
            f"the dbt manifest {manifest_path} lists no public model; nothing to publish"
        )
    names = [m.name for m in out]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise UserError(f"two public models share the name(s) {sorted(dupes)}; rename one")
    return sorted(out, key=lambda m: m.name)


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _scalar(con: Any, query: str) -> Any:
    return con.sql(query).fetchall()[0][0]


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, (os.O_RDONLY | os.O_DIRECTORY) if directory else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _publish_lock(home: Home) -> Iterator[None]:
    lock = home.root / "publish.lock"
    with open(lock, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"another publish is writing {home.published} (lock {lock}); wait for it"
            ) from None
        yield


def connect_warehouse(warehouse: Path) -> Any:
    """A read-only connection to the restricted warehouse (dbt runs in its own process and has
    released the file by the time the publisher reads it)."""
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except (duckdb.ConnectionException, duckdb.IOException) as exc:
        raise UserError(
            f"cannot open the warehouse {warehouse} ({exc}); is another process writing it?"
        ) from None


def _copy(building: Path, warehouse: Path, models: list[PublicModel]) -> dict[str, int]:
    """Copy the public models into a new DuckDB file; returns row counts per relation."""
    counts: dict[str, int] = {}
    con = connect_warehouse(warehouse)
    try:
        wh = _scalar(con, "select current_database()")
        con.execute(f"attach {_lit(str(building))} as pub (read_write)")
        try:
            present = {
                (s, t)
                for s, t in con.sql(
                    "select table_schema, table_name from information_schema.tables "
                    f"where table_catalog = {_lit(wh)}"
                ).fetchall()
            }
            missing = [f"{m.schema}.{m.name}" for m in models if (m.schema, m.name) not in present]
            if missing:
                raise UserError(
                    f"public model(s) not built in the warehouse: {', '.join(missing)}; "
                    "run the dbt build before publishing"
                )
            for m in models:
                src = f"{_q(wh)}.{_q(m.schema)}.{_q(m.name)}"
                dst = f"pub.main.{_q(m.name)}"
                cols = [
                    r[0]
                    for r in con.sql(
                        "select column_name from information_schema.columns "
                        f"where table_catalog = {_lit(wh)} and table_schema = {_lit(m.schema)} "
                        f"and table_name = {_lit(m.name)} order by ordinal_position"
                    ).fetchall()
                ]
                bad = [c for c in cols if FORBIDDEN_COLUMN_RE.match(c)]
                if bad:
                    raise UserError(
                        f"public model {m.name} has identifier column(s) {bad}; refusing to publish"
                    )
                if m.columns and list(m.columns) != cols:
                    raise UserError(
                        f"public model {m.name}: warehouse columns {cols} differ from its contract "
                        f"{list(m.columns)}; rebuild with dbt"
                    )
                con.execute(f"create table {dst} as select * from {src}")
                n_src = _scalar(con, f"select count(*) from {src}")
                n_dst = _scalar(con, f"select count(*) from {dst}")
                if n_src != n_dst:
                    raise RuntimeError(f"publish: {m.name} copied {n_dst} of {n_src} rows")
                counts[m.name] = n_dst
                if m.description:
                    con.execute(f"comment on table {dst} is {_lit(m.description)}")
                for col, text in m.column_descriptions.items():
                    if text and col in cols:
                        con.execute(f"comment on column {dst}.{_q(col)} is {_lit(text)}")
            con.execute("checkpoint pub")
        finally:
            con.execute("detach pub")
    finally:
        con.close()
    return counts


def _verify(building: Path, counts: dict[str, int]) -> None:
    con = duckdb.connect(str(building), read_only=True)
    try:
        tables = {
            t
            for (t,) in con.sql(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        }
        if tables != set(counts):
            raise RuntimeError(
                f"publish: the new file holds {sorted(tables)}, expected {sorted(counts)}"
            )
        for name, n in counts.items():
            got = _scalar(con, f"select count(*) from main.{_q(name)}")
            if got != n:
                raise RuntimeError(f"publish: {name} reads {got} rows back, expected {n}")
    finally:
        con.close()


def publish(home: Home, manifest_path: Path | None = None) -> Path:
    """Publish the public models of the warehouse atomically; returns the published path."""
    manifest_path = manifest_path or home.dbt_target / "manifest.json"
    models = public_models(manifest_path)
    if not home.warehouse.is_file():
        raise UserError(f"no warehouse at {home.warehouse}: run `nenkin-audit run` first")
    building = Path(str(home.published) + BUILDING_SUFFIX)
    with _publish_lock(home):
        _remove(building)
        try:
            counts = _copy(building, home.warehouse, models)
            if Path(str(building) + ".wal").exists():
                raise RuntimeError("publish: the new file still has a write-ahead log")
            _verify(building, counts)
            _fsync_path(building)
            # A WAL beside the published name would be replayed into the new file; the
            # publisher never writes one, so one here is stale debris of a crashed writer.
            _remove(Path(str(home.published) + ".wal"))
            os.replace(building, home.published)
            _fsync_path(home.root, directory=True)
        except BaseException:
            _remove(building)
            raise
    return home.published


def open_published(home: Home) -> Any:
    """A read-only DuckDB connection to the published mart, able to read nothing else."""
    path = home.published
    if not path.is_file():
        raise UserError(
            f"no published mart at {path} yet: run `nenkin-audit run --inbox DIR` "
            f"(or `nenkin-audit demo`) with this home first"
        )
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach {_lit(str(path))} as mart (read_only)")
        con.execute("use mart")
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con
