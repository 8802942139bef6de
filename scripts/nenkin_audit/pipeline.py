"""`run` (the scheduled job) and `demo`, end to end.

run = load new inbox files → dbt build (seeds, models, tests) → score the access log
(nenkin_audit.scoring) → dbt build of the scored models → publish the mart atomically.
Exit 0 only when the published mart is complete and tested; any failure leaves the previously
published mart untouched (published contract §1)."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import UserError
from .home import Home
from .runlog import RunRecord

Say = Callable[[str], None]

#: the models built on the scoring step's output: the second dbt build
SCORED = "source:scoring+"


def _say(msg: str) -> None:
    print(msg, flush=True)


@contextlib.contextmanager
def _exclusive(home: Home) -> Iterator[None]:
    """One `run` per home at a time: an overlapping cron start fails fast instead of waiting on
    DuckDB's file lock halfway through."""
    lock_path = home.root / "run.lock"
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"another nenkin-audit run is using {home.root} (lock {lock_path}); "
                "wait for it to finish, or use another --home"
            ) from None
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield


@contextlib.contextmanager
def _step(name: str, say: Say, record: RunRecord | None = None) -> Iterator[None]:
    say(f"== {name}")
    t0 = time.perf_counter()
    yield
    say(f"   {name}: done in {time.perf_counter() - t0:.1f}s")
    if record is not None:
        record.step(name, time.perf_counter() - t0)


def run(
    inbox: Path,
    home: Home,
    *,
    target: str = "duckdb",
    say: Say = _say,
    full_refresh: bool = False,
) -> int:
    if target != "duckdb":
        raise UserError(
            f"the {target!r} target is not available in this version; use --target duckdb"
        )
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
    with _exclusive(home):
        record = RunRecord()
        outcome = "error"
        try:
            rc = _run_locked(inbox, home, key_file, say, record, today, full_refresh)
            outcome = "published" if rc == 0 else "build_failed"
            return rc
        finally:
            record.write(home, outcome)


def _run_locked(
    inbox: Path,
    home: Home,
    key_file: Path,
    say: Say,
    record: RunRecord,
    today: dt.date,
    full_refresh: bool = False,
) -> int:
    from .dbt_build import run_dbt
    from .incremental import build_mode, record_complete_build
    from .loader import load_inbox
    from .publish import publish
    from .scoring import score_warehouse

    say(f"nenkin-audit run: inbox {inbox.resolve()}, home {home.root}, run date {today}")
    with _step("load", say, record):
        summary = load_inbox(inbox, home.warehouse, progress=lambda m: say(f"   {m}"), today=today)
    if getattr(summary, "rejected", 0):
        say(
            f"   warning: {summary.rejected} file(s) rejected and moved to "
            f"{inbox / '_rejected'} (reasons beside them and in raw.load_files)"
        )
    mode = build_mode(home, full_refresh=full_refresh)
    say(f"   build: {mode.reason}")
    with _step("dbt build (seeds, models, tests)", say, record):
        ok = run_dbt(home, ["build", "--exclude", SCORED, *mode.dbt_args()], key_file=key_file)
        record.add_dbt_results(home.dbt_target)
    if not ok:
        return _build_failed(home, say)
    with _step("score the access log (baselines, model, cases)", say, record):
        scored = score_warehouse(
            home.warehouse, model_store=home.models, say=lambda m: say(f"   {m}")
        )
        say(
            f"   {scored.cases['combined']} case(s) reached the review queue "
            f"({scored.in_budget} within the daily budget); "
            f"{scored.flagged_lines} of {scored.lines} lines flagged "
            f"({scored.flagged_lines / max(scored.lines, 1):.2%})"
        )
    with _step("dbt build of the scored models and their tests", say, record):
        ok = run_dbt(home, ["build", "--select", SCORED, *mode.dbt_args()], key_file=key_file)
        record.add_dbt_results(home.dbt_target)
    if not ok:
        return _build_failed(home, say)
    record_complete_build(home, mode)
    with _step("publish", say, record):
        path = publish(home)
    say(f"published: {path}")
    return 0


def _build_failed(home: Home, say: Say) -> int:
    say(
        "dbt build failed: the published mart was NOT replaced. "
        f"See the messages above and {home.logs / 'dbt.log'}."
    )
    return 1


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
