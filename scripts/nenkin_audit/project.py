"""Facts the dbt project holds once, read by the Python side: the project's `vars`
(dbt_project.yml) and the seeds' rows (seeds/**/*.csv). Nothing here restates a value."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from .home import project_dir


def dbt_vars(project: Path | None = None) -> dict[str, Any]:
    """The `vars` of dbt_project.yml, read afresh on each call."""
    path = Path(project or project_dir()).resolve() / "dbt_project.yml"
    with open(path, encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh)["vars"])


def dbt_var(name: str, project: Path | None = None) -> Any:
    """One var of dbt_project.yml; a clear error when the project does not set it."""
    v = dbt_vars(project)
    if name not in v:
        raise KeyError(f"dbt_project.yml sets no var {name!r}: add it under `vars:`")
    return v[name]


def seed_rows(name: str, project: Path | None = None) -> list[dict[str, str]]:
    """The rows of a seed, in file order, as text; `name` is its path under seeds/ without
    `.csv` (e.g. "codes/code_offices")."""
    path = Path(project or project_dir()).resolve() / "seeds" / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"seed {name!r} is missing: {path}")
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def code_set(seed: str, column: str | None = None, project: Path | None = None) -> tuple[str, ...]:
    """The codes of a code seed (seeds/codes/<seed>.csv), in file order; `column` defaults
    to the seed's first column."""
    rows = seed_rows(f"codes/{seed}", project)
    if not rows:
        return ()
    col = column or next(iter(rows[0]))
    return tuple(r[col] for r in rows)
