"""`run` (the scheduled job) and `demo`, end to end.

run = load new inbox files → dbt build (seeds, models, tests) → score the access log
(nenkin_audit.scoring) → dbt build of the scored models → publish the mart atomically.
Exit 0 only when the published mart is complete and tested; any failure leaves the previously
published mart untouched (docs/published-contract.md §1). The other exit codes are in exit_codes.py.
Every run ends with a summary (run_summary.py) and leaves its record (runlog.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import UserError
from .exit_codes import (
    BUSY,
    FAILED,
    INTERRUPTED,
    NOTHING_TO_PUBLISH,
    OK,
    OUTCOMES,
    STALE_STOP,
    USAGE,
)
from .home import Home
from .runlog import RunRecord

Say = Callable[[str], None]

#: the models built on the scoring step's output: the second dbt build
SCORED = "source:scoring+"


def _say(msg: str) -> None:
    print(msg, flush=True)


@contextlib.contextmanager
def _exclusive(home: Home, *, wait: float = 0.0, say: Say = _say) -> Iterator[bool]:
    """One `run` per home at a time. Yields True with the lock held; False when another run
    still holds it after `wait` seconds (an overlapping cron start then ends cleanly, exit
    code BUSY, instead of waiting on DuckDB's file lock halfway through)."""
    lock_path = home.root / "run.lock"
    with open(lock_path, "a+") as fh:
        deadline = time.monotonic() + max(wait, 0.0)
        announced = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                if not announced:
                    say(
                        f"another nenkin-audit run (pid {_lock_holder(lock_path)}) is using "
                        f"{home.root}; waiting up to {wait:g} s for it to finish"
                    )
                    announced = True
                time.sleep(min(1.0, max(deadline - time.monotonic(), 0.01)))
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield True


def _lock_holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text(encoding="ascii").strip() or "?"
    except OSError:
        return "?"


@contextlib.contextmanager
def _step(name: str, say: Say, record: RunRecord | None = None) -> Iterator[None]:
    say(f"== {name}")
    t0 = time.perf_counter()
    yield
    say(f"   {name}: done in {time.perf_counter() - t0:.1f}s")
    if record is not None:
        record.step(name, time.perf_counter() - t0)


STALE_POLICIES = ("warn", "stop")
#: the loader's line for a file loaded (kept in the run's load.log, not on stdout)
_LOADED_LINE = re.compile(r"^\[\s*\d+/\d+\] loaded    ")


def run(
    inbox: Path,
    home: Home,
    *,
    target: str = "duckdb",
    say: Say = _say,
    wait: float = 0.0,
    stale: str = "warn",
    full_refresh: bool = False,
) -> int:
    """The scheduled job; returns its exit code (exit_codes.py). `wait`: seconds to wait for
    another run of the same home; `stale`: what a stale source does ('warn' or 'stop');
    `full_refresh`: rebuild every table instead of only the new days."""
    if target not in ("duckdb", "postgres"):
        raise UserError(f"unknown target {target!r}; use --target duckdb or --target postgres")
    if stale not in STALE_POLICIES:
        raise UserError(f"--stale must be one of {', '.join(STALE_POLICIES)}, not {stale!r}")
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise UserError(f"inbox {inbox} is not a folder: pass the folder the extracts arrive in")
    from .clock import RUN_DATE_ENV, run_date
    from .keys import KEY_FILE_ENV, load_key, resolve_key_file

    # Everything this run writes (warehouse, mart, logs, rejected files) is owner-only.
    os.umask(0o077)
    # Before anything runs: the home is this account's own and closed to others, and the key
    # is owner-only, owned by this account, in a folder nobody else can write to.
    home.ensure()
    home.check_private()
    key_file = resolve_key_file(home)
    if key_file is None:
        raise UserError(
            f"no pseudonym key: set {KEY_FILE_ENV} to the key file (owner-only permissions), "
            f"or place one at {home.default_key_file}; `nenkin-audit demo` creates a demo key"
        )
    load_key(key_file)
    home.tighten()
    # One clock for the whole run, the loader and dbt alike (see clock.py).
    today = run_date()
    os.environ[RUN_DATE_ENV] = today.isoformat()
    with _exclusive(home, wait=wait, say=say) as locked:
        if not locked:
            return _busy(home, target, today, wait, say)
        if target == "postgres":
            # one run per PostgreSQL warehouse, whichever home or machine it runs from
            from .postgres.run import database_lock

            with database_lock(wait) as db_locked:
                if not db_locked:
                    return _busy(home, target, today, wait, say, database=True)
                return _run_recorded(inbox, home, key_file, say, today, target, stale, full_refresh)
        return _run_recorded(inbox, home, key_file, say, today, target, stale, full_refresh)


def _busy(
    home: Home, target: str, today: dt.date, wait: float, say: Say, database: bool = False
) -> int:
    record = RunRecord(target=target, run_date=today.isoformat())
    record.finish(OUTCOMES[BUSY], BUSY)
    record.write(home)  # runs.jsonl only: the warehouse belongs to the run holding the lock
    waited = f" after waiting {wait:g} s" if wait > 0 else ""
    holder = (
        "another nenkin-audit run is building this PostgreSQL warehouse (its run lock, "
        "pg_advisory_lock, is held by a session named 'nenkin-audit run lock' in pg_stat_activity)"
        if database
        else f"another nenkin-audit run is still using {home.root} (lock {home.root / 'run.lock'})"
    )
    say(
        f"{holder}{waited}: this run did nothing and ends with exit code {BUSY}. "
        "The next scheduled run carries on; use --wait SECONDS to wait longer."
    )
    return BUSY


def _run_recorded(
    inbox: Path,
    home: Home,
    key_file: Path,
    say: Say,
    today: dt.date,
    target: str,
    stale: str,
    full_refresh: bool = False,
) -> int:
    """The run under the lock, with its record: whatever happens, the summary is printed and
    the record written (runs.jsonl, ops.run_records, <home>/runs/<run id>/)."""
    from .run_summary import summary_lines
    from .runlog import previous_published, runs_dir

    record = RunRecord(target=target, run_date=today.isoformat())
    run_dir = runs_dir(home) / record.run_id
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    record.artifacts = str(run_dir)
    previous = previous_published(home.warehouse) if target == "duckdb" else (None, None)
    state: dict[str, object] = {}
    started = time.perf_counter()
    rc = FAILED
    try:
        rc = _run_locked(
            inbox, home, key_file, say, record, today, stale, run_dir, state, target, full_refresh
        )
        return rc
    except KeyboardInterrupt:
        rc = INTERRUPTED
        raise
    except UserError as exc:
        rc = USAGE
        record.warnings.append(f"error: {exc}")
        raise
    except Exception as exc:
        # the type only: an engine's message may quote a delivered value
        record.warnings.append(f"error: {type(exc).__name__} (the message follows the summary)")
        raise
    finally:
        record.finish(OUTCOMES.get(rc, "error"), rc)
        # Never hide the run's own outcome (or its exception) behind its record: each place
        # the record goes that fails (a full disk, a damaged warehouse) is a warning.
        for what, write in (
            ("dbt's manifest", lambda: record.keep_manifest(home.dbt_target, run_dir)),
            ("the warehouse", lambda: _write_record_to_warehouse(home, record, target)),
            ("logs/runs.jsonl", lambda: record.write(home)),
        ):
            try:
                write()
            except Exception as exc:
                record.warnings.append(f"the run record could not be written to {what}: {exc}")
        lines = summary_lines(
            record,
            elapsed=time.perf_counter() - started,
            previous=previous,
            run_dir=run_dir,
            loaded_ever=state.get("loaded_ever"),  # type: ignore[arg-type]
        )
        if rc == OK:
            lines.append(f"published: {state['published']}")
        with contextlib.suppress(OSError):
            (run_dir / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for line in lines:
            say(line)


def _run_locked(
    inbox: Path,
    home: Home,
    key_file: Path,
    say: Say,
    record: RunRecord,
    today: dt.date,
    stale: str,
    run_dir: Path,
    state: dict[str, object],
    target: str = "duckdb",
    full_refresh: bool = False,
) -> int:
    from .dbt_build import run_dbt
    from .freshness import stale_sources
    from .home import project_dir
    from .incremental import build_mode, record_complete_build
    from .loader import load_inbox
    from .publish import publish
    from .run_summary import quarantined_by_reason
    from .scoring import score_warehouse

    say(
        f"nenkin-audit run {record.run_id}: inbox {inbox.resolve()}, home {home.root}, "
        f"run date {today}, target {target}"
    )
    pg = target == "postgres"  # the PostgreSQL steps: nenkin_audit.postgres.run
    if pg:
        from .postgres import run as pg_run

        with _step("prepare the PostgreSQL warehouse (schemas, roles, key)", say, record):
            say(f"   {pg_run.prepare(key_file)}")
    warehouse = pg_run.loader_connection if pg else home.warehouse
    with _step("load", say, record), open(run_dir / "load.log", "a", encoding="utf-8") as log:

        def loader_says(msg: str) -> None:
            log.write(msg + "\n")
            if not _LOADED_LINE.match(msg):  # each loaded file only in the log; the rest shown
                say(f"   {msg}")

        summary = load_inbox(inbox, warehouse, progress=loader_says, today=today)
    loaded_files = _note_load(record, summary)
    if not loaded_files and not summary.duplicate and not summary.rejected:
        say(f"   no new file in the inbox {inbox}")
    state["loaded_ever"] = loaded_ever = (
        pg_run.anything_loaded() if pg else _anything_loaded(home.warehouse)
    )
    if not loaded_ever:
        say(
            "   nothing has ever been loaded into this warehouse: nothing to build, and nothing is "
            f"published (exit code {NOTHING_TO_PUBLISH})"
        )
        return NOTHING_TO_PUBLISH

    with _step("source freshness", say, record):
        deliveries = pg_run.last_deliveries() if pg else None
        stale_now = stale_sources(project_dir(), home.warehouse, today, deliveries)
        record.stale_sources = [s.describe() for s in stale_now]
        if stale_now:
            say(f"   {len(stale_now)} stale source(s): listed in the summary")
        else:
            say("   every source delivered within its expected cadence")
    if stale_now:
        record.warnings.append(f"{len(stale_now)} stale source(s) (policy --stale {stale})")
        if stale == "stop":
            say(
                f"stale sources and --stale stop: nothing was built; the published mart was NOT "
                f"replaced (exit code {STALE_STOP}). The loaded files stay loaded."
            )
            return STALE_STOP

    mode = build_mode(
        home,
        full_refresh=full_refresh,
        today=today,
        warehouse_build_id=pg_run.recorded_build_id if pg else None,
    )
    say(f"   build: {mode.reason}")
    dbt_log = run_dir / "dbt.log"
    with _step("dbt build (seeds, models, tests)", say, record):
        ok = run_dbt(
            home,
            ["build", "--exclude", SCORED, *mode.dbt_args()],
            key_file=key_file,
            log_file=dbt_log,
            progress=lambda m: say(f"   {m}"),
            target=target,
        )
        record.add_dbt_results(home.dbt_target, run_dir)
    if not ok:
        return _build_failed(home, say, dbt_log)
    manifest = home.dbt_target / "manifest.json"
    by_reason = (
        pg_run.quarantined_by_reason(manifest, loaded_files)
        if pg
        else quarantined_by_reason(home.warehouse, manifest, loaded_files)
    )
    if by_reason is not None:
        record.quarantined_by_reason = by_reason
        record.rows_quarantined = sum(by_reason.values())
        record.rows_staged = record.rows_loaded - record.rows_quarantined
    with _step("score the access log (baselines, model, cases)", say, record):
        scored = (
            pg_run.score(home, lambda m: say(f"   {m}"))
            if pg
            else score_warehouse(
                home.warehouse, model_store=home.models, say=lambda m: say(f"   {m}")
            )
        )
        record.flags, record.cases = scored.flagged_lines, scored.cases["combined"]
        say(
            f"   {scored.cases['combined']} case(s) reached the review queue "
            f"({scored.in_budget} within the daily budget); "
            f"{scored.flagged_lines} of {scored.lines} lines flagged "
            f"({scored.flagged_lines / max(scored.lines, 1):.2%})"
        )
    with _step("dbt build of the scored models and their tests", say, record):
        ok = run_dbt(
            home,
            ["build", "--select", SCORED, *mode.dbt_args()],
            key_file=key_file,
            log_file=dbt_log,
            progress=lambda m: say(f"   {m}"),
            target=target,
        )
        record.add_dbt_results(home.dbt_target, run_dir)
    if not ok:
        return _build_failed(home, say, dbt_log)
    if pg:
        pg_run.record_build(mode.build_id)
    record_complete_build(home, mode)
    if record.warned_tests:
        record.warnings.append(
            f"{len(record.warned_tests)} dbt test(s) warned: " + ", ".join(record.warned_tests)
        )
    with _step("publish", say, record):
        state["published"] = pg_run.publish(home) if pg else publish(home)
    return OK


def _write_record_to_warehouse(home: Home, record: RunRecord, target: str) -> None:
    if target == "postgres":
        from .postgres.run import write_run_record

        write_run_record(record)
    else:
        from .runlog import write_to_warehouse

        write_to_warehouse(home.warehouse, record)


def _note_load(record: RunRecord, summary: object) -> list[str]:
    """Put the loader's outcome in the record; returns the names of the files loaded."""
    from .loader import LoadSummary

    assert isinstance(summary, LoadSummary)
    loaded = [f.file_name for f in summary.files if f.status == "loaded"]
    record.files_loaded, record.files_duplicate = summary.loaded, summary.duplicate
    record.files_rejected = summary.rejected
    record.files_offered = summary.loaded + summary.duplicate + summary.rejected
    record.rows_loaded = summary.rows_loaded
    for f in summary.files:
        if f.status == "rejected":
            record.rejected_files.append(
                {"file": f.file_name, "reason": f.reason_code or "?", "kept_as": f.moved_to or ""}
            )
        elif f.status == "duplicate":
            record.duplicate_files.append({"file": f.file_name, "same_as": f.reason_code or "?"})
        if f.status in ("loaded", "duplicate", "rejected") and f.moved_to is None:
            record.warnings.append(f"{f.file_name} stays in the inbox: {f.message}")
    if summary.rejected:
        record.warnings.append(
            f"{summary.rejected} file(s) rejected: kept in _rejected/ of the inbox with their "
            "reasons (also in raw.load_files)"
        )
    return loaded


def _anything_loaded(warehouse: Path) -> bool:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute("select count(*) from raw.load_files where status = 'loaded'").fetchone()
    finally:
        con.close()
    return bool(row and row[0])


def _build_failed(home: Home, say: Say, dbt_log: Path) -> int:
    say(
        "dbt build failed: the published mart was NOT replaced. "
        f"See the failures below and dbt's full output in {dbt_log}."
    )
    return FAILED


def _invoked_as() -> str:
    """The command as the user typed it (e.g. `.venv/bin/nenkin-audit`), so the hint works."""
    exe = Path(sys.argv[0])
    if exe.name != "nenkin-audit":
        return "nenkin-audit"
    if shutil.which("nenkin-audit") == str(exe.resolve()):
        return "nenkin-audit"
    try:
        return os.path.relpath(exe)
    except ValueError:
        return str(exe)


def demo(home: Home, *, persons: int, days: int, seed: int, say: Say = _say) -> int:
    from .generate import generate_city
    from .keys import KEY_FILE_ENV, ensure_demo_key

    os.umask(0o077)
    home.ensure()
    if not os.environ.get(KEY_FILE_ENV):
        key = ensure_demo_key(home)
        say(f"demo pseudonym key: {key} (owner-only; set {KEY_FILE_ENV} to use your own)")
    inbox = home.root / "demo-inbox"
    if (inbox / "_loaded").is_dir():
        # Generated again, its files would be offered again: recorded as duplicates.
        say(
            f"the demo city in {inbox} is loaded already: running again without generating it "
            "anew (for another city, use another --home)"
        )
    else:
        with _step(f"generate a synthetic city ({persons} persons, {days} working days)", say):
            generate_city(
                inbox, persons=persons, days=days, seed=seed, progress=lambda m: say(f"   {m}")
            )
    rc = run(inbox, home, say=say)
    if rc == 0:
        at = "" if home.root == Home.resolve().root else f" --home {home.root}"
        say(
            f"add a dashboard user:  {_invoked_as()} user add NAME --role manager{at}\n"
            f"open the dashboards with:  {_invoked_as()} serve{at}"
        )
    return rc
