"""Source freshness, checked by `run` before it builds: which sources have not delivered for
longer than their cadence allows.

The one place the expected cadence lives is the dbt sources' `freshness:` config
(models/staging/<source>/_<source>__sources.yml: `warn_after` / `error_after`, set on the source
and overridden or switched off, `freshness: null`, per table); `dbt source freshness` reads the
same settings. This module reads them from those files and judges them against the run clock
(`clock.run_date`, so a replayed night is judged as of its own date) and the load ledger: a
source's last delivery is the newest extract date among its loaded files (what the sources'
`loaded_at_field`, `_extract_date`, holds for their rows), the ledger's own is its newest
`loaded_at`. A source never delivered is stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

_PERIOD_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1.0}


@dataclass(frozen=True)
class Expectation:
    """One source table's allowed age (days) before it is stale (warn) or badly stale (error)."""

    source: str
    table: str
    warn_days: float | None
    error_days: float | None

    @property
    def name(self) -> str:
        return f"{self.source}.{self.table}"


@dataclass(frozen=True)
class Staleness:
    source: str  # source.table
    last: dt.date | None  # newest delivery, None when never delivered
    age_days: int | None
    allowed_days: float
    level: str  # 'warn' | 'error'

    def describe(self) -> str:
        allowed = f"{self.allowed_days:g} day(s)"
        if self.last is None:
            return f"{self.source}: never delivered (expected at least every {allowed})"
        return (
            f"{self.source}: last delivery {self.last:%Y-%m-%d}, {self.age_days} day(s) ago "
            f"(expected at least every {allowed}; {self.level})"
        )


def _days(rule: Any) -> float | None:
    if not isinstance(rule, dict) or rule.get("count") is None:
        return None
    return float(rule["count"]) * _PERIOD_DAYS[str(rule.get("period", "day"))]


def _freshness(config: Any, inherited: Any) -> Any:
    """A table's freshness config: its own when it sets one (null switches it off), else the
    source's."""
    if isinstance(config, dict) and "freshness" in config:
        return config["freshness"]
    return inherited


def expectations(project: Path) -> list[Expectation]:
    """Every source table with a freshness expectation, from the dbt project's sources files."""
    out: list[Expectation] = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted((project / "models").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if "sources:" not in text:
            continue
        doc = yaml.load(text, Loader=loader) or {}
        for source in doc.get("sources") or []:
            src_fresh = _freshness(source.get("config"), source.get("freshness"))
            for table in source.get("tables") or []:
                fresh = _freshness(table.get("config"), table.get("freshness", src_fresh))
                if not fresh:
                    continue
                warn, error = _days(fresh.get("warn_after")), _days(fresh.get("error_after"))
                if warn is None and error is None:
                    continue
                out.append(Expectation(source["name"], table["name"], warn, error))
    return out


def _last_deliveries(warehouse: Path) -> tuple[dict[str, dt.date], dt.date | None]:
    """(newest extract date of the loaded files per extract, newest ledger entry's date)."""
    if not warehouse.is_file():
        return {}, None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name = 'load_files'"
        ).fetchone()
        if not present or not present[0]:
            return {}, None
        rows = con.execute(LAST_DELIVERIES_SQL).fetchall()
        ledger = con.execute(LEDGER_LAST_SQL).fetchone()
    finally:
        con.close()
    newest = ledger[0].date() if ledger and ledger[0] is not None else None
    return {e: d for e, d in rows}, newest


#: the ledger's newest deliveries: the same standard SQL on DuckDB and PostgreSQL
LAST_DELIVERIES_SQL = (
    "select extract, max(extract_date) from raw.load_files "
    "where status = 'loaded' and extract is not null group by extract"
)
LEDGER_LAST_SQL = "select max(loaded_at) from raw.load_files"
Deliveries = tuple[dict[str, dt.date], dt.date | None]


def stale_sources(
    project: Path, warehouse: Path, today: dt.date, deliveries: Deliveries | None = None
) -> list[Staleness]:
    """The sources whose last delivery is older than their expectation allows, as of `today`.
    `deliveries`: the ledger's newest deliveries when they come from another engine (PostgreSQL:
    postgres.run.last_deliveries); by default they are read from the DuckDB `warehouse`."""
    by_extract, ledger_last = deliveries if deliveries is not None else _last_deliveries(warehouse)
    out: list[Staleness] = []
    for exp in expectations(project):
        last = ledger_last if exp.table == "load_files" else by_extract.get(exp.table)
        age = (today - last).days if last is not None else None
        for level, allowed in (("error", exp.error_days), ("warn", exp.warn_days)):
            if allowed is not None and (age is None or age > allowed):
                out.append(Staleness(exp.name, last, age, allowed, level))
                break
    return out
