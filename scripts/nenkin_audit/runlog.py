"""The run record: one JSON line per `run` in `<home>/logs/runs.jsonl` (start, end, outcome,
each step's duration and the dbt tests of each build), read by the dashboards' 実行状況 page."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from .home import Home


def runs_file(home: Home) -> Path:
    return home.logs / "runs.jsonl"


@dataclass
class RunRecord:
    started_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    finished_at: str | None = None
    outcome: str = "running"  # published | build_failed | error
    steps: list[dict[str, object]] = field(default_factory=list)
    tests: dict[str, int] = field(default_factory=dict)

    def step(self, name: str, seconds: float) -> None:
        self.steps.append({"step": name, "seconds": round(seconds, 1)})

    def add_dbt_results(self, target: Path) -> None:
        """Counts of the dbt tests (data and unit) of the last build, by status."""
        try:
            results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for r in results.get("results", []):
            uid = str(r.get("unique_id", ""))
            if uid.startswith(("test.", "unit_test.")):
                status = str(r.get("status"))
                self.tests[status] = self.tests.get(status, 0) + 1

    def write(self, home: Home, outcome: str) -> None:
        self.outcome = outcome
        self.finished_at = datetime.now().isoformat(timespec="seconds")
        path = runs_file(home)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(self), ensure_ascii=False) + "\n")


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
