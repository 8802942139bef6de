"""The access audit's settings and signal catalogue, read from their one source: the dbt
project's `vars` (dbt_project.yml) and the seed `seeds/audit/audit_signals.csv`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..home import project_dir
from ..project import dbt_vars


@dataclass(frozen=True)
class Settings:
    baseline_days: int
    series_days: int
    office_weekday_days: int
    peer_prior_days: float
    false_alarms_per_day: float
    review_budget: int
    model_trees: int
    model_seed: int

    @classmethod
    def load(cls, project: Path | None = None) -> Settings:
        v = dbt_vars(project)
        return cls(
            baseline_days=int(v["audit_baseline_days"]),
            series_days=int(v["audit_series_days"]),
            office_weekday_days=int(v["audit_office_weekday_days"]),
            peer_prior_days=float(v["audit_peer_prior_days"]),
            false_alarms_per_day=float(v["audit_false_alarms_per_day"]),
            review_budget=int(v["audit_review_budget"]),
            model_trees=int(v["audit_model_trees"]),
            model_seed=int(v["audit_model_seed"]),
        )


@dataclass(frozen=True)
class Signal:
    code: str
    family: str  # hard | baseline | model
    scope: str  # staff_day | subject_day | pair_window | staff_window
    count_column: str
    relative_to: str
    line_condition: str
    label_ja: str


def load_signals(project: Path | None = None) -> list[Signal]:
    path = (project or project_dir()) / "seeds" / "audit" / "audit_signals.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Signal(
                code=row["signal_code"],
                family=row["family"],
                scope=row["scope"],
                count_column=row["count_column"],
                relative_to=row["relative_to"],
                line_condition=row["line_condition"],
                label_ja=row["label_ja"],
            )
            for row in csv.DictReader(fh)
        ]
