"""Atomic publishing on a hand-made warehouse and manifest: exactly the public models are copied,
the swap is atomic (old readers keep reading, a failure leaves the old file), and the dashboards'
opener reads the published file and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from nenkin_audit.errors import UserError
from nenkin_audit.home import Home
from nenkin_audit.publish import BUILDING_SUFFIX, open_published, publish


def _model(name: str, schema: str, access: str, columns: list[str], **config: str) -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "alias": name,
        "schema": schema,
        "access": access,
        "description": f"the {name} model",
        "config": {"materialized": "table", "enabled": True, **config},
        "columns": {c: {"name": c, "description": f"{c} of {name}"} for c in columns},
    }


#: the identifiers, declared as the sources' YAML declares them (column meta confined_to)
IDENTIFIER_SOURCE = {
    "resource_type": "source",
    "name": "atena",
    "columns": {
        "atena_no": {"name": "atena_no", "config": {"meta": {"confined_to": "warehouse"}}},
        "kojin_no": {"name": "kojin_no", "config": {"meta": {"confined_to": "staging"}}},
        "shimei": {"name": "shimei", "meta": {"confined_to": "warehouse"}},
    },
}


def _write_manifest(home: Home, models: list[dict]) -> Path:
    path = home.dbt_target / "manifest.json"
    path.write_text(
        json.dumps(
            {
                "nodes": {f"model.nenkin_audit.{m['name']}": m for m in models},
                "sources": {"source.nenkin_audit.atena.atena": IDENTIFIER_SOURCE},
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """A warehouse with restricted staging/intermediate tables and two public marts."""
    h = Home(tmp_path / "home").ensure()
    con = duckdb.connect(str(h.warehouse))
    con.execute(
        """
        create schema staging; create schema intermediate; create schema marts;
        create table staging.stg_atena__persons as
            select '0000000001' as atena_no, '山田　太郎' as shimei;
        create table intermediate.int_identity__person_pseudonyms as
            select '0000000001' as atena_no, 'k:abc' as person_pid;
        create table marts.dim_persons as
            select 'k:' || i as person_pid, '1110' || (i % 10) as ward_code from range(100) t(i);
        create table marts.fct_events as
            select i as event_id, 'k:' || (i % 100) as person_pid from range(1000) t(i);
        """
    )
    con.close()
    _write_manifest(
        h,
        [
            _model("stg_atena__persons", "staging", "private", ["atena_no", "shimei"]),
            _model(
                "int_identity__person_pseudonyms",
                "intermediate",
                "private",
                ["atena_no", "person_pid"],
            ),
            _model("dim_persons", "marts", "public", ["person_pid", "ward_code"]),
            _model("fct_events", "marts", "public", ["event_id", "person_pid"]),
        ],
    )
    return h


def _tables(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            f"{s}.{t}": con.sql(f'select count(*) from "{s}"."{t}"').fetchall()[0][0]
            for s, t in con.sql(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    finally:
        con.close()


def _set_dim_rows(home: Home, n: int) -> None:
    con = duckdb.connect(str(home.warehouse))
    con.execute(
        "create or replace table marts.dim_persons as "
        f"select 'k:' || i as person_pid, '11101' as ward_code from range({n}) t(i)"
    )
    con.close()


def test_publishes_exactly_the_public_models(home: Home) -> None:
    path = publish(home)
    assert path == home.published
    assert _tables(path) == {"main.dim_persons": 100, "main.fct_events": 1000}
    assert not Path(str(path) + BUILDING_SUFFIX).exists()
    con = open_published(home)
    comments = dict(
        con.sql(
            "select table_name, comment from duckdb_tables() where database_name = 'mart'"
        ).fetchall()
    )
    assert comments["dim_persons"] == "the dim_persons model"
    col_comment = con.sql(
        "select comment from duckdb_columns() where table_name = 'fct_events' "
        "and column_name = 'event_id'"
    ).fetchall()
    assert col_comment == [("event_id of fct_events",)]


def test_republishing_replaces_the_file(home: Home) -> None:
    publish(home)
    _set_dim_rows(home, 7)
    publish(home)
    assert _tables(home.published)["main.dim_persons"] == 7


@pytest.mark.parametrize("failure", ["missing_model", "identifier_column", "contract_drift"])
def test_a_failed_publish_leaves_the_previous_publication(home: Home, failure: str) -> None:
    publish(home)
    before = home.published.read_bytes()
    con = duckdb.connect(str(home.warehouse))
    if failure == "missing_model":
        con.execute("drop table marts.fct_events")
    elif failure == "identifier_column":
        con.execute("alter table marts.dim_persons add column atena_no varchar")
    else:
        con.execute("alter table marts.dim_persons add column extra bigint")
    con.close()
    with pytest.raises(
        UserError, match="identifier column" if failure == "identifier_column" else None
    ):
        publish(home)
    assert home.published.read_bytes() == before
    assert not Path(str(home.published) + BUILDING_SUFFIX).exists()
    reader = open_published(home)
    assert reader.sql("select count(*) from dim_persons").fetchall() == [(100,)]


def test_a_manifest_without_the_identifier_list_is_refused(home: Home) -> None:
    manifest = home.dbt_target / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    del data["sources"]
    manifest.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UserError, match="declares no identifier column"):
        publish(home)
    assert not home.published.exists()


def test_a_crash_leftover_building_file_is_replaced(home: Home) -> None:
    building = Path(str(home.published) + BUILDING_SUFFIX)
    building.write_bytes(b"half-written garbage")
    publish(home)
    assert not building.exists()
    assert _tables(home.published)["main.dim_persons"] == 100


def test_missing_manifest_or_warehouse_says_what_to_do(tmp_path: Path) -> None:
    h = Home(tmp_path / "empty").ensure()
    with pytest.raises(UserError, match="manifest"):
        publish(h)
    _write_manifest(h, [_model("dim_x", "marts", "public", ["a"])])
    with pytest.raises(UserError, match="no warehouse"):
        publish(h)
    assert not h.published.exists()


def test_a_reader_in_this_process_keeps_the_old_file(home: Home) -> None:
    publish(home)
    old = open_published(home)
    assert old.sql("select count(*) from dim_persons").fetchall() == [(100,)]
    _set_dim_rows(home, 3)
    publish(home)
    assert old.sql("select count(*) from dim_persons").fetchall() == [(100,)]
    assert old.sql("select count(*) from fct_events").fetchall() == [(1000,)]
    new = open_published(home)
    assert new.sql("select count(*) from dim_persons").fetchall() == [(3,)]


def test_a_reader_in_another_process_keeps_working_across_a_publish(home: Home) -> None:
    publish(home)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from pathlib import Path
                from nenkin_audit.home import Home
                from nenkin_audit.publish import open_published
                con = open_published(Home(Path({str(home.root)!r})))
                q = "select count(*), count(distinct person_pid) from dim_persons"
                print(con.sql(q).fetchall()[0], flush=True)
                sys.stdin.readline()
                print(con.sql(q).fetchall()[0], flush=True)
                print(con.sql("select count(*) from fct_events").fetchall()[0], flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert reader.stdout is not None and reader.stdin is not None
    assert reader.stdout.readline().strip() == "(100, 100)"
    _set_dim_rows(home, 5)
    publish(home)
    reader.stdin.write("go\n")
    reader.stdin.flush()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert out.split("\n")[:2] == ["(100, 100)", "(1000,)"]
    assert _tables(home.published)["main.dim_persons"] == 5


def test_the_dashboard_connection_reads_only_the_published_file(home: Home) -> None:
    with pytest.raises(UserError, match="no published mart"):
        open_published(home)
    publish(home)
    con = open_published(home)
    assert con.sql("select count(*) from fct_events").fetchall() == [(1000,)]
    attempts = [
        f"attach '{home.warehouse}' as wh (read_only)",
        f"select * from read_csv('{home.dbt_target / 'manifest.json'}')",
        f"copy dim_persons to '{home.root / 'out.csv'}'",
        "set enable_external_access = true",
        "create table x as select 1",
    ]
    for sql in attempts:
        with pytest.raises(duckdb.Error):
            con.sql(sql).fetchall()
    assert not (home.root / "out.csv").exists()
