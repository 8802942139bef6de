"""Evaluation of misuse detection on one generated city: its warehouse against its labelled truth.

`evaluate(home, truth)` reads, from `<home>/warehouse.duckdb` (opened read-only):

- `scoring.cases(case_id, mode, queue_date, case_kind, risk_score, queue_rank, alerted,
  line_count)`: mode 'rules' | 'model' | 'combined'; queue_rank 1 = the day's highest;
  alerted = above the city's alert level;
- `scoring.case_lines(log_id, case_id)`: the log lines of each case;
- `staging.stg_kiban__access_log(log_id, access_date, ...)`: every staged log line;
- `intermediate.int_audit__access_context(log_id, dept_code, access_date, explanation)`:
  explanation null = unexplained;

and from `<truth>/misuse.csv` (log_id, episode_id, scenario, staff_id, episode_start).

Metrics, per mode:
- recall@k (k = 10, 20, 50), overall and per scenario: an episode is caught at k when any of its
  lines is in a case of that mode that is alerted, has queue_rank ≤ k and a queue_date between
  episode_start and episode_start + 7 days (inclusive);
- precision@k: among the alerted cases with queue_rank ≤ k (all days), the share holding at
  least one misuse line;
- flag_rate: distinct lines of the mode's alerted cases / all staged lines (the headline figure is
  mode 'combined');

and, for the city, the share of person-record lines explained (explanation not null; list
searches, prints and batches open no record): overall, and the minimum and median over
office-days (dept_code × access_date).

A table that is not there yet is named in `missing` and the figures that need it are None, so
that the benchmark runs (and says what is missing) before every stage is built."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

KS = (10, 20, 50)
MODES = ("rules", "model", "combined")
WINDOW_DAYS = 7

TABLES = {
    "cases": "scoring.cases",
    "case_lines": "scoring.case_lines",
    "log": "staging.stg_kiban__access_log",
    "context": "intermediate.int_audit__access_context",
}


def read_truth(truth: Path) -> pl.DataFrame:
    """misuse.csv as typed columns; refuses a truth without episode_start (an older city)."""
    path = Path(truth) / "misuse.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: generate the city with --misuse")
    df = pl.read_csv(path, infer_schema=False)
    if "episode_start" not in df.columns:
        raise ValueError(
            f"{path} has no episode_start column: regenerate the city with this generator"
        )
    return df.with_columns(pl.col("episode_start").str.to_date())


#: the columns each table must have for the figures that read it
COLUMNS = {
    "cases": ("case_id", "mode", "queue_date", "queue_rank", "alerted"),
    "case_lines": ("log_id", "case_id"),
    "log": ("log_id",),
    "context": ("log_id", "dept_code", "access_date", "explanation", "has_subject"),
}


def _usable(con: duckdb.DuckDBPyConnection) -> tuple[set[str], list[str]]:
    """The tables present with every column needed, and a message for each that is not."""
    rows = con.sql(
        "select table_schema || '.' || table_name, column_name from information_schema.columns"
    ).fetchall()
    cols: dict[str, set[str]] = {}
    for table, col in rows:
        cols.setdefault(table, set()).add(col.lower())
    ok, messages = set(), []
    for key, table in TABLES.items():
        if table not in cols:
            messages.append(f"table {table} is missing")
            continue
        lacking = [c for c in COLUMNS[key] if c not in cols[table]]
        if lacking:
            messages.append(f"table {table} has no column {', '.join(lacking)}")
        else:
            ok.add(table)
    return ok, messages


def evaluate(home: Path, truth: Path) -> dict:
    """Detection metrics of one city (see the module docstring for every figure)."""
    home = Path(home)
    wh = home / "warehouse.duckdb"
    t = read_truth(truth)
    episodes = t.group_by("episode_id").agg(
        pl.col("scenario").first(), pl.col("episode_start").first()
    )
    result: dict = {
        "home": str(home),
        "truth": str(truth),
        "episodes": episodes.height,
        "misuse_lines": t.height,
        "episodes_per_scenario": dict(sorted(episodes.group_by("scenario").len().iter_rows())),
        "missing": [],
        "messages": [],
        "modes": {},
        "lines": None,
        "explained": None,
    }
    if not wh.is_file():
        result["missing"] = list(TABLES.values())
        result["messages"].append(f"{wh} not found: run `nenkin-audit run` into this home first")
        return result
    con = duckdb.connect(str(wh), read_only=True)
    try:
        have, messages = _usable(con)
        result["missing"] = [name for name in TABLES.values() if name not in have]
        result["messages"].extend(f"{m} in {wh}" for m in messages)
        con.register("truth_lines", t.select("log_id", "episode_id", "scenario", "episode_start"))
        con.register("truth_episodes", episodes)
        if TABLES["log"] in have:
            result["lines"] = con.sql(f"select count(*) from {TABLES['log']}").fetchall()[0][0]
        if TABLES["context"] in have:
            result["explained"] = _explained(con)
        if TABLES["cases"] in have and TABLES["case_lines"] in have:
            for mode in MODES:
                result["modes"][mode] = _mode_metrics(con, mode, episodes, result["lines"])
    finally:
        con.close()
    return result


def _mode_metrics(con, mode: str, episodes: pl.DataFrame, lines: int | None) -> dict:
    assert mode in MODES  # inlined into the SQL below
    best = con.sql(
        f"""
        select t.episode_id, min(c.queue_rank) as best_rank
        from truth_lines t
        join {TABLES["case_lines"]} cl on cl.log_id = t.log_id
        join {TABLES["cases"]} c on c.case_id = cl.case_id
        where c.mode = '{mode}' and c.alerted
          and c.queue_date between t.episode_start and t.episode_start + {WINDOW_DAYS}
        group by t.episode_id
        """
    ).pl()
    ep = episodes.join(best, on="episode_id", how="left")
    recall: dict[str, float | None] = {}
    per_scenario: dict[str, dict[str, float]] = {}
    for k in KS:
        caught = ep.with_columns(hit=pl.col("best_rank").is_not_null() & (pl.col("best_rank") <= k))
        recall[str(k)] = float(caught["hit"].mean()) if caught.height else None
        for scen, share in caught.group_by("scenario").agg(pl.col("hit").mean()).iter_rows():
            per_scenario.setdefault(scen, {})[str(k)] = float(share)
    precision: dict[str, float | None] = {}
    for k in KS:
        n, hit = con.sql(
            f"""
            with misuse_cases as (
                select distinct cl.case_id
                from {TABLES["case_lines"]} cl join truth_lines t on t.log_id = cl.log_id
            )
            select count(*), count(m.case_id)
            from {TABLES["cases"]} c left join misuse_cases m on m.case_id = c.case_id
            where c.mode = '{mode}' and c.alerted and c.queue_rank <= {int(k)}
            """
        ).fetchall()[0]
        precision[str(k)] = hit / n if n else None
    flagged, alerted_cases, days = con.sql(
        f"""
        select count(distinct cl.log_id), count(distinct c.case_id), count(distinct c.queue_date)
        from {TABLES["cases"]} c join {TABLES["case_lines"]} cl on cl.case_id = c.case_id
        where c.mode = '{mode}' and c.alerted
        """
    ).fetchall()[0]
    return {
        "recall": recall,
        "recall_per_scenario": dict(sorted(per_scenario.items())),
        "precision": precision,
        "flagged_lines": flagged,
        "flag_rate": flagged / lines if lines else None,
        "alerted_cases": alerted_cases,
        "alerted_cases_per_day": alerted_cases / days if days else None,
    }


def _explained(con) -> dict:
    overall, n = con.sql(
        f"""
        select avg(case when explanation is not null then 1.0 else 0.0 end), count(*)
        from {TABLES["context"]}
        where has_subject
        """
    ).fetchall()[0]
    by = con.sql(
        f"""
        select dept_code, access_date,
               avg(case when explanation is not null then 1.0 else 0.0 end) as share
        from {TABLES["context"]}
        where has_subject
        group by all
        """
    ).pl()
    return {
        "share": overall,
        "lines": n,
        "office_days": by.height,
        "min_office_day": float(by["share"].min()) if by.height else None,
        "median_office_day": float(by["share"].median()) if by.height else None,
    }


def format_report(name: str, r: dict) -> str:
    """One city's figures as a plain-text table."""
    out = [f"== {name}: {r['episodes']} episodes, {r['lines'] or '?'} lines"]
    for m in r["messages"]:
        out.append(f"   ! {m}")
    ex = r.get("explained")
    if ex:
        out.append(
            f"   explained {ex['share']:.3f} (office-day min {ex['min_office_day']:.3f}, "
            f"median {ex['median_office_day']:.3f})"
        )
    if not r["modes"]:
        return "\n".join(out)
    head = f"   {'':26s}" + "".join(f"{m:>24s}" for m in r["modes"])
    out.append(head)
    out.append(f"   {'':26s}" + "".join(f"{'@10   @20   @50':>24s}" for _ in r["modes"]))

    def row(label: str, get) -> str:
        cells = []
        for m in r["modes"].values():
            vals = [get(m, str(k)) for k in KS]
            cells.append("  ".join("  -  " if v is None else f"{v:5.2f}" for v in vals))
        return f"   {label:26s}" + "".join(f"{c:>24s}" for c in cells)

    out.append(row("recall", lambda m, k: m["recall"][k]))
    out.append(row("precision", lambda m, k: m["precision"][k]))
    scen = sorted({s for m in r["modes"].values() for s in m["recall_per_scenario"]})
    for s in scen:
        out.append(row(f"  {s}", lambda m, k, s=s: m["recall_per_scenario"].get(s, {}).get(k)))
    rates = [m["flag_rate"] for m in r["modes"].values()]
    out.append(
        f"   {'flag rate':26s}"
        + "".join(f"{'-' if v is None else format(v, '.4f'):>24s}" for v in rates)
    )
    return "\n".join(out)


def summarise(results: dict[str, dict]) -> dict:
    """Across cities: per mode and k, the mean and minimum recall and precision, the worst
    scenario recall@20, and the highest flag rate."""
    summary: dict = {"cities": len(results), "modes": {}}
    for mode in MODES:
        rs = [r["modes"][mode] for r in results.values() if mode in r["modes"]]
        if not rs:
            continue
        s: dict = {}
        for metric in ("recall", "precision"):
            for k in KS:
                vals = [x[metric][str(k)] for x in rs if x[metric][str(k)] is not None]
                s[f"{metric}@{k}_mean"] = sum(vals) / len(vals) if vals else None
                s[f"{metric}@{k}_min"] = min(vals) if vals else None
        worst: dict[str, float] = {}
        for x in rs:
            for scen, by_k in x["recall_per_scenario"].items():
                worst[scen] = min(worst.get(scen, 1.0), by_k["20"])
        s["scenario_recall@20_min"] = dict(sorted(worst.items()))
        rates = [x["flag_rate"] for x in rs if x["flag_rate"] is not None]
        s["flag_rate_max"] = max(rates) if rates else None
        summary["modes"][mode] = s
    ex = [r["explained"]["share"] for r in results.values() if r.get("explained")]
    summary["explained_min"] = min(ex) if ex else None
    summary["missing"] = sorted({m for r in results.values() for m in r["missing"]})
    summary["generated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return summary
