"""The run record: what each `run` did, kept in three places.

- `<home>/logs/runs.jsonl`: one JSON line per run (read by the dashboards' 実行状況 page);
- the table `ops.run_records` in the restricted warehouse (one row per run that got as far as
  the warehouse; the warehouse is never replaced by a publish, so the records survive every
  publish and rebuild, and sit beside the load ledger `raw.load_files` they summarise);
- `<home>/runs/<run id>/`: dbt's artifacts of the run (`run_results.<n>.json` of each build,
  `manifest.json`), dbt's full output (`dbt.log`) and the summary the run printed
  (`summary.txt`).

Nothing in a record is a delivered value: file names, reason codes, counts, test names.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .home import Home

RUNS_SCHEMA = "ops"
RUNS_TABLE = "run_records"

#: (column, type) of ops.run_records; lists and counts by key are JSON text (both engines)
RUN_RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "varchar"),
    ("started_at", "timestamp"),
    ("finished_at", "timestamp"),
    ("target", "varchar"),
    ("run_date", "date"),
    ("outcome", "varchar"),
    ("exit_code", "integer"),
    ("files_offered", "integer"),
    ("files_loaded", "integer"),
    ("files_duplicate", "integer"),
    ("files_rejected", "integer"),
    ("rejected_files", "varchar"),
    ("rows_loaded", "bigint"),
    ("rows_staged", "bigint"),
    ("rows_quarantined", "bigint"),
    ("quarantined_by_reason", "varchar"),
    ("dbt_results", "varchar"),
    ("failed_tests", "varchar"),
    ("stale_sources", "varchar"),
    ("flags", "bigint"),
    ("cases", "bigint"),
    ("warnings", "varchar"),
    ("artifacts", "varchar"),
)


def runs_file(home: Home) -> Path:
    return home.logs / "runs.jsonl"


def runs_dir(home: Home) -> Path:
    return home.root / "runs"


def new_run_id() -> str:
    """Sortable and unique per home: start time (UTC) and a random suffix."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.urandom(2).hex()}"


@dataclass
class RunRecord:
    run_id: str = field(default_factory=new_run_id)
    started_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    finished_at: str | None = None
    outcome: str = "running"  # see exit_codes.OUTCOMES
    exit_code: int | None = None
    target: str = "duckdb"
    run_date: str | None = None
    steps: list[dict[str, object]] = field(default_factory=list)
    #: dbt tests (data and unit) of the run's builds, by status (the dashboards read this)
    tests: dict[str, int] = field(default_factory=dict)
    #: every dbt node of the run's builds, by status
    dbt_results: dict[str, int] = field(default_factory=dict)
    failed_tests: list[str] = field(default_factory=list)
    warned_tests: list[str] = field(default_factory=list)
    files_offered: int = 0
    files_loaded: int = 0
    files_duplicate: int = 0
    files_rejected: int = 0
    rejected_files: list[dict[str, str]] = field(default_factory=list)
    duplicate_files: list[dict[str, str]] = field(default_factory=list)
    rows_loaded: int = 0
    rows_staged: int | None = None
    rows_quarantined: int | None = None
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    stale_sources: list[str] = field(default_factory=list)
    flags: int | None = None
    cases: int | None = None
    warnings: list[str] = field(default_factory=list)
    artifacts: str | None = None

    def step(self, name: str, seconds: float) -> None:
        self.steps.append({"step": name, "seconds": round(seconds, 1)})

    def add_dbt_results(self, target: Path, keep_in: Path | None = None) -> None:
        """Count the last dbt build's results (target/run_results.json) by status, note the
        failed and warned tests, and keep a copy of the file in `keep_in`."""
        path = target / "run_results.json"
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if keep_in is not None:
            keep_in.mkdir(parents=True, exist_ok=True)
            n = len(list(keep_in.glob("run_results.*.json"))) + 1
            shutil.copyfile(path, keep_in / f"run_results.{n}.json")
        for r in results.get("results", []):
            uid = str(r.get("unique_id", ""))
            status = str(r.get("status"))
            self.dbt_results[status] = self.dbt_results.get(status, 0) + 1
            if uid.startswith(("test.", "unit_test.")):
                self.tests[status] = self.tests.get(status, 0) + 1
                short = uid.split(".", 2)[-1]
                if status in ("fail", "error"):
                    self.failed_tests.append(short)
                elif status == "warn":
                    self.warned_tests.append(short)
            elif status == "error":
                self.failed_tests.append(uid.split(".", 2)[-1])

    def keep_manifest(self, target: Path, keep_in: Path) -> None:
        manifest = target / "manifest.json"
        if manifest.is_file():
            keep_in.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(manifest, keep_in / "manifest.json")

    def finish(self, outcome: str, exit_code: int) -> None:
        self.outcome = outcome
        self.exit_code = exit_code
        self.finished_at = datetime.now().isoformat(timespec="seconds")

    def write(self, home: Home, outcome: str | None = None) -> None:
        """Append the record to runs.jsonl (outcome/exit code set by `finish`)."""
        if outcome is not None and self.finished_at is None:
            self.finish(outcome, self.exit_code if self.exit_code is not None else 1)
        path = runs_file(home)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(self), ensure_ascii=False) + "\n")

    def row(self) -> list[Any]:
        d = asdict(self)
        out: list[Any] = []
        for col, _ in RUN_RECORD_COLUMNS:
            v = d[col]
            out.append(json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
        return out


def write_to_warehouse(warehouse: Path, record: RunRecord) -> None:
    """Append the record to ops.run_records in the DuckDB warehouse (created where missing)."""
    import duckdb

    cols = ", ".join(f"{c} {t}" for c, t in RUN_RECORD_COLUMNS)
    names = ", ".join(c for c, _ in RUN_RECORD_COLUMNS)
    marks = ", ".join("?" for _ in RUN_RECORD_COLUMNS)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"create schema if not exists {RUNS_SCHEMA}")
        con.execute(f"create table if not exists {RUNS_SCHEMA}.{RUNS_TABLE} ({cols})")
        con.execute(
            f"insert into {RUNS_SCHEMA}.{RUNS_TABLE} ({names}) values ({marks})", record.row()
        )
    finally:
        con.close()


def previous_published(warehouse: Path) -> tuple[int | None, int | None]:
    """(flags, cases) of the last published run in ops.run_records, or (None, None)."""
    import duckdb

    if not warehouse.is_file():
        return None, None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None, None
    try:
        row = con.execute(
            f"select flags, cases from {RUNS_SCHEMA}.{RUNS_TABLE} "
            "where outcome = 'published' order by started_at desc limit 1"
        ).fetchone()
    except duckdb.Error:  # no record yet (or a warehouse the run will report on itself)
        return None, None
    finally:
        con.close()
    return (row[0], row[1]) if row else (None, None)


def read_runs(home: Home, last: int = 30) -> list[dict[str, object]]:
    """The last runs, newest first (an empty list when `run` never ran in this home)."""
    path = runs_file(home)
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows[::-1][:last]
