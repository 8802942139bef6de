"""Faults in the nightly `run`, for real: SIGKILL of the process group during the build, SIGKILL of
the PID alone during the publish, a corrupt published mart, two runs started at once, and a disk
that fills up. After each, the next `run` must end with a warehouse and a mart identical to those
of a clean run: the same relations, each with the same row count and the same order-independent
hash of its rows (the ledger's `loaded_at` aside).

One small generated city and one home serve the whole module; the faults follow each other so
that every recovery run is also the set-up of the next fault."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow

CLI = str(Path(sys.executable).with_name("nenkin-audit"))
RUN_DATE = "2026-11-30"
#: when the loader recorded a file, wherever the ledger is carried on (the data-quality models
#: and the published mart's ledger summary)
VOLATILE = {
    ("raw", "load_files"): ["loaded_at"],
    ("staging", "stg_ledger__load_files"): ["loaded_at"],
    ("marts", "agg_load__files"): ["latest_loaded_at"],
    ("main", "agg_load__files"): ["latest_loaded_at"],
}


def relation_state(path: Path) -> dict[str, tuple[int, int]]:
    """{schema.relation: (rows, order-independent hash of the rows)} of a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        # (the run records, ops.run_records, differ by design: one row per run)
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema <> 'ops' order by 1, 2"
        ).fetchall()
        state = {}
        for schema, table in relations:
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if c not in VOLATILE.get((schema, table), [])
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            rows, digest = con.execute(
                f'select count(*), coalesce(sum(hash(r)), 0) from (select {select} from "{schema}"."{table}") r'  # noqa: E501
            ).fetchone()
            state[f"{schema}.{table}"] = (rows, int(digest))
        return state
    finally:
        con.close()


def home_state(home: Path) -> dict[str, dict[str, tuple[int, int]]]:
    return {
        "warehouse": relation_state(home / "warehouse.duckdb"),
        "mart": relation_state(home / "mart.duckdb"),
    }


def assert_same(got: dict, want: dict) -> None:
    for db in ("warehouse", "mart"):
        differing = sorted(
            r for r in set(got[db]) | set(want[db]) if got[db].get(r) != want[db].get(r)
        )
        assert not differing, f"{db}: {differing}"


class City:
    def __init__(self, root: Path) -> None:
        from nenkin_audit.generate import generate_city
        from nenkin_audit.home import Home
        from nenkin_audit.keys import ensure_demo_key

        self.inbox = root / "inbox"  # pristine: each home gets its own copy (rejected files move)
        generate_city(self.inbox, persons=600, days=4, seed=9, bad_input=True, progress=None)
        keys = Home.resolve(root / "keys-home")
        self.key_file = ensure_demo_key(keys, announce=False)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "NENKIN_AUDIT_KEY_FILE": str(self.key_file),
            "NENKIN_AUDIT_RUN_DATE": RUN_DATE,
        }

    def command(self, home: Path) -> list[str]:
        inbox = home.parent / "inbox"
        if not inbox.exists():
            shutil.copytree(self.inbox, inbox)
        return [CLI, "run", "--inbox", str(inbox), "--home", str(home)]

    def run(self, home: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(home),
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=REPO,
            timeout=600,
        )

    def start(self, home: Path, **kw) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env(),
            cwd=REPO,
            **kw,
        )


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _gone(pids: list[int], seconds: float = 15) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        alive = []
        for p in pids:
            try:
                state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(p)
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    return City(tmp_path_factory.mktemp("faults"))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults-home") / "home"


@pytest.fixture(scope="module")
def clean(city: City, home: Path) -> dict:
    """The state after one clean run in `home` (the reference every recovery must reach)."""
    proc = city.run(home)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    return home_state(home)


def test_killing_the_process_group_during_the_build_then_a_corrupt_mart_and_two_runs(
    city: City, clean: dict, home: Path
) -> None:
    proc = city.start(home, start_new_session=True)
    end = time.monotonic() + 120
    while not _children(proc.pid) and time.monotonic() < end:
        time.sleep(0.1)
    dbt = _children(proc.pid)
    assert dbt, "dbt never started"
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert _gone(dbt)
    # the published file is damaged as well (a disk error, a stray copy)
    (home / "mart.duckdb").write_bytes(b"\0garbage\0" * 1000)
    # two runs at once: one works, the other is turned away at the lock
    a = city.start(home)
    time.sleep(1.0)
    b = city.run(home)
    out_a, _ = a.communicate(timeout=600)
    assert b.returncode == 5 and "another nenkin-audit run" in b.stdout, b.stdout + b.stderr
    assert a.returncode == 0, out_a[-3000:]
    assert_same(home_state(home), clean)


def test_killing_the_pid_alone_during_the_publish(city: City, clean: dict, home: Path) -> None:
    proc = city.start(home)
    assert proc.stdout is not None
    dbt: list[int] = []
    for line in proc.stdout:
        dbt = dbt or _children(proc.pid)
        if line.startswith("== publish"):
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert _gone(dbt)
    again = city.run(home)
    assert again.returncode == 0, again.stdout[-3000:]
    assert_same(home_state(home), clean)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_full_disk_fails_the_run_and_the_next_run_recovers(
    city: City, clean: dict, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        home = disk / "home"
        full = city.run(home)
        assert full.returncode == 1, "24 MB cannot hold the warehouse"
        assert "published:" not in full.stdout
        ours = str(REPO / "scripts")
        assert ours not in full.stdout + full.stderr, "the run itself must not crash"
        assert not (home / "mart.duckdb").exists() or home_state(home)["mart"] != clean["mart"]
        subprocess.run(["mount", "-o", "remount,size=512m", str(disk)], check=True)
        again = city.run(home)
        assert again.returncode == 0, again.stdout[-3000:] + again.stderr
        assert_same(home_state(home), clean)
    finally:
        shutil.rmtree(disk / "home", ignore_errors=True)
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
