"""Crash safety for real: the loader runs in a subprocess on a multi-file inbox and is killed
with SIGKILL several times at different moments (also in the middle of a file's transaction);
running it again to the end must give exactly the warehouse and inbox of one clean run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from nenkin_audit.loader import load_inbox
from nenkin_audit.rawfile import write_extract
from nenkin_audit.spec import EXTRACTS

LEDGER_BUT_TIME = (
    "file_name, sha256, extract, extract_date, file_seq, encoding, data_rows, loaded_rows, "
    "status, reason, moved_to"
)


def access_log(day: int, n: int) -> pl.DataFrame:
    """A day of access-log lines with Japanese text, empty fields and, now and then, a quoted
    comma or line break (so both parsing paths run)."""
    i = pl.int_range(0, n, eager=True)
    addr = pl.Series(["さいたま市浦和区高砂３丁目", "大宮区桜木町１丁目１番地", "緑区"])[i % 3]
    return pl.DataFrame(
        {
            "log_id": (f"{day:03d}" + i.cast(pl.String).str.zfill(7)),
            "accessed_at": pl.Series([f"2024-04-{day % 28 + 1:02d} 09:00:00"] * n),
            "staff_id": "S" + (i % 400).cast(pl.String).str.zfill(5),
            "dept_code": pl.Series(["K01", "K02", "H00"])[i % 3],
            "terminal_id": "T" + (i % 50).cast(pl.String).str.zfill(4),
            "shori_jiyu": pl.Series(["01", "02", "08"])[i % 3],
            "operation": pl.Series(["01", "02", "03", "04"])[i % 4],
            "screen_id": pl.Series(["SCR001"] * n),
            "atena_no": (i * 7919 % 10**10).cast(pl.String).str.zfill(10),
            "hit_count": pl.Series([""] * n),
            "subj_shimei": pl.Series(["山田　太郎", "髙橋　﨑子", "ｶﾅ　ﾀﾛｳ"])[i % 3],
            "subj_sex": pl.Series(["1", "2"])[i % 2],
            "subj_birth_date": pl.Series(["1960-01-01"] * n),
            "subj_address": pl.select(
                pl.when(pl.lit(i) % 997 == 5)
                .then(pl.lit("北区,別棟\r\n２階"))
                .otherwise(pl.lit(addr))
            ).to_series(),
        }
    )


def build_inbox(inbox: Path) -> None:
    """A generated city with labelled bad input: a few hundred files of every extract, among
    them rejected files (moved aside during the run) and a byte-identical redelivery."""
    from nenkin_audit.generate import generate_city

    generate_city(inbox, persons=6000, days=30, seed=11, bad_input=True, progress=None)


def warehouse_state(warehouse: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        state = {
            e: con.sql(f"select * from raw.{e} order by _file_name, _record_no").pl()
            for e in EXTRACTS
        }
        state["load_files"] = con.sql(
            f"select {LEDGER_BUT_TIME} from raw.load_files order by file_name, sha256"
        ).pl()
        return state
    finally:
        con.close()


def inbox_state(inbox: Path) -> dict[str, bytes]:
    """Every file under the inbox with its bytes (reason files without their time stamp)."""
    out = {}
    for p in sorted(inbox.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name.endswith(".reason.txt"):
                data = b"\n".join(x for x in data.split(b"\n") if not x.startswith(b"rejected:"))
            out[str(p.relative_to(inbox))] = data
    return out


def assert_consistent(warehouse: Path) -> None:
    """Whatever moment the process died at: each loaded file has all its rows, no other file
    has any."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        loaded = dict(
            con.execute(
                "select file_name, loaded_rows from raw.load_files where status = 'loaded'"
            ).fetchall()
        )
        present: dict[str, int] = {}
        for e in EXTRACTS:
            for name, n in con.execute(
                f"select _file_name, count(*) from raw.{e} group by 1"
            ).fetchall():
                present[name] = present.get(name, 0) + n
        assert {k: v for k, v in loaded.items() if v} == present
    finally:
        con.close()


def run_and_kill(inbox: Path, warehouse: Path, *, after_lines: int, delay: float) -> bool:
    """Start the loader, SIGKILL it `delay` seconds after its `after_lines`-th file line.
    Returns False when it finished before it could be killed."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nenkin_audit.loader",
            "--inbox",
            str(inbox),
            "--warehouse",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("["):
            seen += 1
            if seen >= after_lines:
                break
    time.sleep(delay)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    return not finished


def test_a_killed_load_run_again_ends_exactly_as_one_clean_run(tmp_path: Path) -> None:
    source = tmp_path / "source"
    build_inbox(source)
    clean_inbox, crash_inbox = tmp_path / "clean", tmp_path / "crash"
    shutil.copytree(source, clean_inbox)
    shutil.copytree(source, crash_inbox)
    clean_wh, crash_wh = tmp_path / "clean.duckdb", tmp_path / "crash.duckdb"

    t0 = time.perf_counter()
    clean = load_inbox(clean_inbox, clean_wh, progress=None)
    per_file = (time.perf_counter() - t0) / len(clean.files)
    assert clean.loaded > 100 and clean.rejected > 3 and clean.duplicate >= 1

    kills = 0
    # Kill right after a file line, and a fraction of a file's time later (inside the next
    # file's parse or transaction), at several points of the run.
    for after, frac in [(3, 0.0), (20, 0.5), (40, 0.9), (60, 0.3), (80, 0.7)]:
        if run_and_kill(crash_inbox, crash_wh, after_lines=after, delay=frac * per_file):
            kills += 1
        assert_consistent(crash_wh)
    assert kills == 5, "the loader must have been killed mid-run several times"
    final = load_inbox(crash_inbox, crash_wh, progress=None)
    assert final.loaded > 0

    want, got = warehouse_state(clean_wh), warehouse_state(crash_wh)
    assert got["load_files"].to_dicts() == want["load_files"].to_dicts()
    for table, expected in want.items():
        assert got[table].equals(expected), table
    assert sum(want[e].height for e in EXTRACTS) == clean.rows_loaded
    assert inbox_state(crash_inbox) == inbox_state(clean_inbox)

    # And a further run changes nothing at all.
    again = load_inbox(crash_inbox, crash_wh, progress=None)
    assert again.unchanged == len(again.files)
    for table, expected in want.items():
        assert warehouse_state(crash_wh)[table].equals(expected), table


@pytest.mark.parametrize("when", ["while_parsing", "while_writing", "after_commit"])
def test_no_partial_file_after_a_kill_inside_one_big_file(tmp_path: Path, when: str) -> None:
    """One large file: a kill while it is being read, while its rows are being written (the
    warehouse files grow before the commit) or just after the commit leaves all of it or none
    of it; the next run completes it."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = 250_000
    write_extract(access_log(1, rows), "access_log", inbox / "access_log_20240401_001.csv")
    wh = tmp_path / "w.duckdb"
    wal = tmp_path / "w.duckdb.wal"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nenkin_audit.loader",
            "--inbox",
            str(inbox),
            "--warehouse",
            str(wh),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("load:")  # schema created, the file is next

    def size() -> int:
        return sum(p.stat().st_size for p in (wh, wal) if p.exists())

    if when == "while_parsing":
        time.sleep(0.2)
    elif when == "while_writing":
        base = size()
        deadline = time.monotonic() + 60
        while size() == base and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
    else:
        proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rest = proc.stdout.read()
    proc.stdout.close()
    if when != "after_commit":
        assert "[1/1]" not in rest, "killed before the file's commit"
    assert_consistent(wh)
    con = duckdb.connect(str(wh), read_only=True)
    before = con.execute("select count(*) from raw.access_log").fetchone()[0]
    con.close()
    assert before == (rows if when == "after_commit" else 0)

    summary = load_inbox(inbox, wh, progress=None)
    # after the commit: the file is moved to _loaded/ already, or its move is finished now
    assert summary.loaded == (0 if when == "after_commit" else 1)
    assert [p.name for p in inbox.iterdir()] == ["_loaded"]
    assert (inbox / "_loaded" / "access_log_20240401_001.csv").is_file()
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("select count(*) from raw.access_log").fetchone()[0] == rows
    con.close()
