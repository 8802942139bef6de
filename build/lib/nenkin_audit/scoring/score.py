"""Scoring of the access log: signals judged against the city's own normal, cases, a daily queue.

Reads the restricted feature models that dbt built (int_audit__staff_days, __subject_days,
__staff_subject_days, __access_context), writes the restricted `scoring` schema:

- `scoring.cases`: one row per case that reaches the queue, for each mode (`rules`: the hard
  and baseline signals; `model`: the IsolationForest alone; `combined`: both, what is
  published). A case is one unit of review: a member's day, one person's day (many viewers), a
  member × person pair over the trailing window, or a member's trailing window.
- `scoring.case_lines`: the log lines of each case.
- `scoring.model_runs`: the fitted model's description.

Evidence is a surprise s = −log10 p, p the tail probability of the unit's count under the
city's normal (see surprise.py). A unit's signals are combined with a Bonferroni factor; a unit
reaches the queue when s ≥ log10(N_d / α), N_d the day's number of units tested and α the
expected number of normal cases per day (`audit_false_alarms_per_day`). The queue is ranked by
s, the same evidence scale on every day, and the first `audit_review_budget` cases are the
day's review budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from .baselines import expected_counts
from .model import fit_and_score
from .settings import Settings, Signal, load_signals
from .surprise import (
    count_surprise,
    empirical_surprise,
    overdispersion,
    risk_from_surprise,
    tail_surprise,
)

MODES = ("rules", "model", "combined")
#: the surprise given to a hard violation: certain, above any statistical evidence
HARD_SURPRISE = 30.0
CONTEXT = "intermediate.int_audit__access_context"


@dataclass(frozen=True)
class ScoreSummary:
    cases: dict[str, int]
    in_budget: int
    flagged_lines: int
    lines: int
    seconds: float


def _log10(x: float) -> float:
    return float(np.log10(max(x, 1e-300)))


# ---------------------------------------------------------------- signals per unit


def _staff_day_surprises(
    days: pl.DataFrame, signals: list[Signal], settings: Settings
) -> tuple[pl.DataFrame, list[str]]:
    """Per staff-day: s_<code> for every hard and baseline staff-day signal, s_model."""
    base = [s for s in signals if s.family == "baseline" and s.scope == "staff_day"]
    cols = [s.count_column for s in base]
    days = expected_counts(days, cols, settings)
    out = {}
    for sig in base:
        col = sig.count_column
        x = days[col].to_numpy().astype(float)
        # the role's rate over the whole period is the floor: a count the peers never show
        # today is still judged against how often the role shows it at all
        role_rate = days.select(pl.col(col).cast(pl.Float64).mean().over("peer_role"))
        lam = np.maximum(days[f"exp_{col}"].to_numpy(), role_rate.to_series().to_numpy())
        if sig.relative_to:
            # the city's share of this count among the reference count, times today's reference
            ref = days[sig.relative_to].to_numpy().astype(float)
            share = (x.sum() + 0.5) / (ref.sum() + 1.0)
            lam = np.maximum(lam, ref * share)
        out[f"s_{sig.code}"] = count_surprise(x, lam, _group_overdispersion(days, x, lam))
    for sig in signals:
        if sig.family == "hard":
            out[f"s_{sig.code}"] = np.where(
                days[sig.count_column].to_numpy() > 0, HARD_SURPRISE, 0.0
            )
    days = days.with_columns(**{k: pl.Series(v) for k, v in out.items()})
    return days, cols


#: fewest staff-days a peer group needs for a dispersion of its own (else the city's)
MIN_GROUP_DAYS = 30


def _group_overdispersion(days: pl.DataFrame, x: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Each staff-day's overdispersion: its peer group's (role × department) where the group
    has enough days, else the whole city's (a batch department varies unlike a counter)."""
    city = overdispersion(x, lam)
    groups = days.select(pl.concat_str("peer_role", "peer_dept_code", separator="|").alias("g"))[
        "g"
    ].to_numpy()
    phi = np.full(len(x), city)
    for g in np.unique(groups):
        idx = groups == g
        if idx.sum() >= MIN_GROUP_DAYS:
            phi[idx] = overdispersion(x[idx], lam[idx])
    return phi


def _model_surprise(
    days: pl.DataFrame, cols: list[str], settings: Settings, store: Path | None
) -> tuple[pl.DataFrame, dict]:
    surprise_columns = [c for c in days.columns if c.startswith("s_B_")]
    scores, info = fit_and_score(
        days,
        cols,
        trees=settings.model_trees,
        seed=settings.model_seed,
        store=store,
        surprise_columns=surprise_columns,
    )
    days = days.with_columns(s_M_ISOLATION_FOREST=pl.Series(tail_surprise(scores)))
    return days, info.__dict__


def _subject_day_units(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    sd = con.sql(
        "select atena_no, access_date, unexplained_viewers from intermediate.int_audit__subject_days "
        "where unexplained_viewers > 0"
    ).pl()
    s = empirical_surprise(
        sd["unexplained_viewers"].to_numpy(), sd["unexplained_viewers"].to_numpy(), sd.height
    )
    return sd.with_columns(
        s_B_MANY_VIEWERS=pl.Series(np.where(sd["unexplained_viewers"] > 1, s, 0.0))
    )


def _window_first_alerts(
    df: pl.DataFrame, keys: list[str], level: pl.Expr, window: int
) -> pl.DataFrame:
    """Keep the days on which a unit's window crosses the level, at most once per window: a slow
    series is one case, not one a day."""
    hits = df.filter(pl.col("s") >= level).sort([*keys, "access_date"])
    kept, last = [], {}
    for row in hits.iter_rows(named=True):
        key = tuple(row[k] for k in keys)
        prev = last.get(key)
        if prev is None or (row["access_date"] - prev).days >= window:
            kept.append(row)
            last[key] = row["access_date"]
    return pl.DataFrame(kept, schema=hits.schema)


def _pair_window_units(
    con: duckdb.DuckDBPyConnection, days: pl.DataFrame, window: int
) -> pl.DataFrame:
    """Per member × person and day with an unexplained look: the days with such looks in the
    trailing window, judged against the city's distribution of that count among all unexplained
    member × person days of the same stratum (the person inside or outside the office's area)."""
    pairs = (
        con.sql(
            "select staff_id, atena_no, access_date, is_out_of_area "
            "from intermediate.int_audit__staff_subject_days"
        )
        .pl()
        .sort(["staff_id", "atena_no", "access_date"])
    )
    if pairs.is_empty():
        return pairs.with_columns(
            window_days=pl.lit(0, pl.Int64), s=pl.lit(0.0), period_from=pl.col("access_date")
        )
    rolled = (
        pairs.with_columns(one=pl.lit(1))
        .rolling(index_column="access_date", period=f"{window}d", group_by=["staff_id", "atena_no"])
        .agg(
            pl.col("one").sum().alias("window_days"),
            pl.col("access_date").min().alias("period_from"),
            pl.col("is_out_of_area").last().alias("is_out_of_area"),
        )
    )
    # the population is the pairs, each once at its largest window: a series must not make
    # itself normal by filling the tail with its own days
    rolled = rolled.with_columns(
        is_out_of_area=pl.col("is_out_of_area").fill_null(False),
        pair_max=pl.col("window_days").max().over(["staff_id", "atena_no"]),
    )
    peaks = rolled.unique(["staff_id", "atena_no"])
    out_pairs = int(days["out_of_area_subjects"].sum())
    totals = {True: out_pairs, False: int(days["unexplained_subjects"].sum()) - out_pairs}
    s = np.zeros(rolled.height)
    for stratum, total in totals.items():
        idx = (rolled["is_out_of_area"] == stratum).to_numpy()
        population = peaks.filter(pl.col("is_out_of_area") == stratum)["pair_max"].to_numpy()
        w = rolled["window_days"].to_numpy()[idx]
        s[idx] = np.where(w > 1, empirical_surprise(w, population, total), 0.0)
    return rolled.with_columns(s=pl.Series(s))


def _staff_window_units(days: pl.DataFrame, window: int) -> pl.DataFrame:
    """Per member and day: unexplained looks outside the office's area summed over the trailing
    window, against the peer group's rate summed over the same days (the member's own history
    would already hold the series)."""
    col = "out_of_area_subjects"
    rolled = (
        days.select("staff_id", "access_date", col, f"peer_{col}")
        .sort(["staff_id", "access_date"])
        .rolling(index_column="access_date", period=f"{window}d", group_by="staff_id")
        .agg(
            pl.col(col).sum().alias("window_x"),
            pl.col(f"peer_{col}").sum().alias("window_exp"),
            pl.col("access_date").min().alias("period_from"),
        )
    )
    x = rolled["window_x"].to_numpy().astype(float)
    lam = rolled["window_exp"].to_numpy()
    return rolled.with_columns(s=pl.Series(count_surprise(x, lam, overdispersion(x, lam))))


# ---------------------------------------------------------------- cases


def _tests(codes: list[str]) -> int:
    """How many statistical tests a set of signals makes (a hard violation is no test)."""
    return max(1, sum(not c.startswith("H_") for c in codes))


def _staff_day_cases(days: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    """Candidate staff-day cases for one set of signal codes: the unit's combined surprise
    (strongest signal less log10 of the number of tests) and each signal's own surprise."""
    s_cols = [f"s_{c}" for c in codes]
    return days.select(
        "staff_id",
        "access_date",
        "departure_lag_days",
        pl.max_horizontal(s_cols).alias("s_max"),
        *s_cols,
    ).with_columns(s=pl.col("s_max") - _log10(_tests(codes)))


def _reasons(row: dict, codes: list[str], level: float) -> list[str]:
    fired = [c for c in codes if row[f"s_{c}"] - _log10(_tests(codes)) >= level]
    if not fired:
        fired = [max(codes, key=lambda c: row[f"s_{c}"])]
    return sorted(fired, key=lambda c: -row[f"s_{c}"])


def _cases_for_mode(
    mode: str,
    signals: list[Signal],
    days: pl.DataFrame,
    subject_days: pl.DataFrame,
    pair_units: pl.DataFrame,
    window_units: pl.DataFrame,
    settings: Settings,
) -> pl.DataFrame:
    staff_codes = [
        s.code
        for s in signals
        if s.scope == "staff_day"
        and (
            (mode in ("rules", "combined") and s.family in ("hard", "baseline"))
            or (mode in ("model", "combined") and s.family == "model")
        )
    ]
    use_other_scopes = mode in ("rules", "combined")
    # the day's level per scope: α is shared equally by the scopes tested, and within a scope
    # divided by the day's number of units (Bonferroni), so a large family pays for its size
    unit_counts = {
        "staff_day": days.group_by("access_date").agg(pl.len().cast(pl.Float64).alias("n")),
    }
    if use_other_scopes:
        unit_counts["subject_day"] = subject_days.group_by("access_date").agg(
            pl.len().cast(pl.Float64).alias("n")
        )
        # member × person pairs, apart inside and outside the office's area (two families)
        unit_counts["pair_window_local"] = days.group_by("access_date").agg(
            (pl.col("unexplained_subjects") - pl.col("out_of_area_subjects"))
            .sum()
            .cast(pl.Float64)
            .alias("n")
        )
        unit_counts["pair_window_out_of_area"] = days.group_by("access_date").agg(
            pl.col("out_of_area_subjects").sum().cast(pl.Float64).alias("n")
        )
        unit_counts["staff_window"] = unit_counts["staff_day"]
    alpha = settings.false_alarms_per_day / len(unit_counts)
    levels = {
        scope: {
            d: float(np.log10(max(n, 1.0) / alpha))
            for d, n in zip(frame["access_date"].to_list(), frame["n"].to_list(), strict=True)
        }
        for scope, frame in unit_counts.items()
    }
    level_of = levels["staff_day"]
    rows: list[dict] = []
    cand = _staff_day_cases(days, staff_codes)
    for row in cand.filter(pl.col("s_max") > 0).iter_rows(named=True):
        level = level_of[row["access_date"]]
        if row["s"] < level:
            continue
        reasons = _reasons(row, staff_codes, level)
        rows.append(
            {
                "scope": "staff_day",
                "staff_id": row["staff_id"],
                "atena_no": None,
                "queue_date": row["access_date"],
                "period_from": row["access_date"],
                "period_to": row["access_date"],
                "surprise": row["s"],
                "reasons": reasons,
                "departure_lag_days": row["departure_lag_days"]
                if {"H_AFTER_DEPARTURE"} & set(reasons)
                else None,
            }
        )
    if use_other_scopes:
        for row in subject_days.filter(pl.col("s_B_MANY_VIEWERS") > 0).iter_rows(named=True):
            if row["s_B_MANY_VIEWERS"] >= levels["subject_day"].get(row["access_date"], np.inf):
                rows.append(
                    {
                        "scope": "subject_day",
                        "staff_id": None,
                        "atena_no": row["atena_no"],
                        "queue_date": row["access_date"],
                        "period_from": row["access_date"],
                        "period_to": row["access_date"],
                        "surprise": row["s_B_MANY_VIEWERS"],
                        "reasons": ["B_MANY_VIEWERS"],
                        "departure_lag_days": None,
                    }
                )
        local = pl.col("is_out_of_area").not_()
        for scope, frame, keys, code, family in (
            (
                "pair_window",
                pair_units.filter(local),
                ["staff_id", "atena_no"],
                "B_REPEAT_SUBJECT",
                "pair_window_local",
            ),
            (
                "pair_window",
                pair_units.filter(~local),
                ["staff_id", "atena_no"],
                "B_REPEAT_SUBJECT",
                "pair_window_out_of_area",
            ),
            ("staff_window", window_units, ["staff_id"], "B_SLOW_SERIES", "staff_window"),
        ):
            lv = pl.col("access_date").replace_strict(
                levels[family], default=np.inf, return_dtype=pl.Float64
            )
            for row in _window_first_alerts(frame, keys, lv, settings.series_days).iter_rows(
                named=True
            ):
                rows.append(
                    {
                        "scope": scope,
                        "staff_id": row["staff_id"],
                        "atena_no": row.get("atena_no"),
                        "queue_date": row["access_date"],
                        "period_from": row["period_from"],
                        "period_to": row["access_date"],
                        "surprise": row["s"],
                        "reasons": [code],
                        "departure_lag_days": None,
                    }
                )
    schema = {
        "scope": pl.String,
        "staff_id": pl.String,
        "atena_no": pl.String,
        "queue_date": pl.Date,
        "period_from": pl.Date,
        "period_to": pl.Date,
        "surprise": pl.Float64,
        "reasons": pl.List(pl.String),
        "departure_lag_days": pl.Int64,
    }
    cases = pl.DataFrame(rows, schema=schema)
    # ranking: the same evidence scale every day; ties by scope and staff for determinism
    cases = cases.sort(
        ["queue_date", "surprise", "scope", "staff_id", "period_from"],
        descending=[False, True, False, False, False],
        nulls_last=True,
    ).with_columns(
        queue_rank=pl.int_range(1, pl.len() + 1).over("queue_date").cast(pl.Int64),
    )
    return cases.with_columns(
        mode=pl.lit(mode),
        case_id=pl.format(
            "{}-{}-{}",
            pl.lit(mode[0].upper()),
            pl.col("queue_date").dt.strftime("%Y%m%d"),
            pl.col("queue_rank").cast(pl.String).str.zfill(4),
        ),
        case_kind=pl.col("reasons").list.first(),
        reasons=pl.col("reasons").list.join(","),
        risk_score=pl.Series(risk_from_surprise(cases["surprise"].to_numpy())),
        alerted=pl.lit(True),
        in_budget=pl.col("queue_rank") <= settings.review_budget,
    )


# ---------------------------------------------------------------- lines of the cases


#: how a case of each scope finds its lines in the context (equality keys first, so that each
#: join is a hash join on the case's member, person and day)
SCOPE_JOINS = {
    "staff_day": "c.staff_id = cs.staff_id and c.access_date = cs.queue_date",
    "subject_day": "c.atena_no = cs.atena_no and c.access_date = cs.queue_date",
    "pair_window": "c.staff_id = cs.staff_id and c.atena_no = cs.atena_no"
    " and c.access_date between cs.period_from and cs.period_to",
    "staff_window": "c.staff_id = cs.staff_id"
    " and c.access_date between cs.period_from and cs.period_to",
}


def _case_lines_sql(signals: list[Signal]) -> str:
    """The lines of every case: the unit's lines that the condition of one of the case's
    signals (seed audit_signals, line_condition) selects."""
    cond = (
        "case cs.signal_code "
        + " ".join(f"when '{s.code}' then ({s.line_condition})" for s in signals)
        + " else false end"
    )
    return "\nunion\n".join(
        f"select distinct cs.case_id, c.log_id from case_signals as cs "
        f"inner join {CONTEXT} as c on {join} where cs.scope = '{scope}' and {cond}"
        for scope, join in SCOPE_JOINS.items()
    )


# ---------------------------------------------------------------- the step


def score_warehouse(
    warehouse: Path,
    *,
    model_store: Path | None = None,
    say: Callable[[str], None] = lambda _m: None,
    project: Path | None = None,
) -> ScoreSummary:
    """Score the access log in `warehouse` (after dbt built the audit's feature models) and
    replace the `scoring` schema's tables in one transaction."""
    t0 = time.perf_counter()
    settings = Settings.load(project)
    signals = load_signals(project)
    con = duckdb.connect(str(warehouse))
    try:
        days = con.sql("select * from intermediate.int_audit__staff_days").pl()
        days = days.with_columns(pl.col(pl.Decimal).cast(pl.Int64))
        days, cols = _staff_day_surprises(days, signals, settings)
        days, model_info = _model_surprise(days, cols, settings, model_store)
        subject_days = _subject_day_units(con)
        pair_units = _pair_window_units(con, days, settings.series_days)
        window_units = _staff_window_units(days, settings.series_days)
        say(f"scoring: {days.height} staff-days, {subject_days.height} person-days judged")
        cases = pl.concat(
            [
                _cases_for_mode(
                    mode, signals, days, subject_days, pair_units, window_units, settings
                )
                for mode in MODES
            ]
        )
        case_signals = cases.select(
            "case_id",
            "scope",
            "staff_id",
            "atena_no",
            "queue_date",
            "period_from",
            "period_to",
            pl.col("reasons").str.split(",").alias("signal_code"),
        ).explode("signal_code")
        con.register("case_signals_frame", case_signals.to_arrow())
        con.execute("create or replace temp table case_signals as select * from case_signals_frame")
        case_lines = con.sql(_case_lines_sql(signals)).pl()
        counts = case_lines.group_by("case_id").agg(pl.len().alias("line_count"))
        cases = cases.join(counts, on="case_id", how="left").with_columns(
            pl.col("line_count").fill_null(0).cast(pl.Int64)
        )
        model_runs = pl.DataFrame(
            [
                {
                    "model_version": model_info["version"],
                    "sklearn_version": model_info["sklearn_version"],
                    "n_estimators": model_info["n_estimators"],
                    "random_state": model_info["random_state"],
                    "features": ",".join(model_info["features"]),
                    "trained_from": model_info["trained_from"],
                    "trained_to": model_info["trained_to"],
                    "training_rows": model_info["training_rows"],
                }
            ]
        )
        _store(con, cases, case_lines, model_runs)
        lines = con.sql(f"select count(*) from {CONTEXT}").fetchall()[0][0]
        combined = cases.filter(pl.col("mode") == "combined")
        flagged = (
            case_lines.join(combined.select("case_id"), on="case_id").select("log_id").n_unique()
        )
    finally:
        con.close()
    return ScoreSummary(
        cases={m: cases.filter(pl.col("mode") == m).height for m in MODES},
        in_budget=int(combined["in_budget"].sum()),
        flagged_lines=int(flagged),
        lines=int(lines),
        seconds=time.perf_counter() - t0,
    )


def _store(
    con: duckdb.DuckDBPyConnection,
    cases: pl.DataFrame,
    case_lines: pl.DataFrame,
    model_runs: pl.DataFrame,
) -> None:
    con.register(
        "cases_frame",
        cases.select(
            "case_id",
            "mode",
            "scope",
            "staff_id",
            "atena_no",
            "queue_date",
            "period_from",
            "period_to",
            "case_kind",
            "reasons",
            "surprise",
            "risk_score",
            "queue_rank",
            "alerted",
            "in_budget",
            "line_count",
            "departure_lag_days",
        ).to_arrow(),
    )
    con.register("case_lines_frame", case_lines.to_arrow())
    con.register("model_runs_frame", model_runs.to_arrow())
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists scoring")
        con.execute("create or replace table scoring.cases as select * from cases_frame")
        con.execute("create or replace table scoring.case_lines as select * from case_lines_frame")
        con.execute("create or replace table scoring.model_runs as select * from model_runs_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
