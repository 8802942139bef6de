"""The IsolationForest over this city's staff-days: fitted on the city's own data, persisted
with its version, parameters and training window, deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl
import sklearn
from sklearn.ensemble import IsolationForest

MODEL_VERSION = "staff-day-iforest-1"


@dataclass(frozen=True)
class ModelInfo:
    version: str
    sklearn_version: str
    n_estimators: int
    random_state: int
    features: list[str]
    trained_from: str
    trained_to: str
    training_rows: int


def feature_matrix(
    days: pl.DataFrame, columns: list[str], surprise_columns: list[str] = ()
) -> tuple[np.ndarray, list[str]]:
    """Per staff-day: each signal's count relative to its expected value (log ratio) and its
    surprise under the baselines, the day's volume and the share of its lines that have an
    explanation."""
    exprs, names = [], []
    for col in columns:
        exprs.append(((pl.col(col) + 1.0) / (pl.col(f"exp_{col}") + 1.0)).log().alias(f"rel_{col}"))
        names.append(f"rel_{col}")
    for col in surprise_columns:
        exprs.append(pl.col(col).alias(col))
        names.append(col)
    exprs.append((pl.col("day_lines") + 1.0).log().alias("log_lines"))
    exprs.append((pl.col("explained_lines") / pl.col("day_lines")).alias("explained_share"))
    names += ["log_lines", "explained_share"]
    x = days.select(exprs).fill_null(0.0).fill_nan(0.0).to_numpy()
    return x, names


def fit_and_score(
    days: pl.DataFrame,
    columns: list[str],
    *,
    trees: int,
    seed: int,
    store: Path | None,
    surprise_columns: list[str] = (),
) -> tuple[np.ndarray, ModelInfo]:
    """Fit on every staff-day loaded and return each one's anomaly score (higher = more
    isolated) with the model's description; the model and its description are written to
    `store` (a folder) when given."""
    x, names = feature_matrix(days, columns, surprise_columns)
    model = IsolationForest(n_estimators=trees, random_state=seed, n_jobs=1)
    model.fit(x)
    scores = -model.score_samples(x)
    dates = days["access_date"]
    info = ModelInfo(
        version=MODEL_VERSION,
        sklearn_version=sklearn.__version__,
        n_estimators=trees,
        random_state=seed,
        features=names,
        trained_from=str(dates.min()) if len(dates) else "",
        trained_to=str(dates.max()) if len(dates) else "",
        training_rows=len(days),
    )
    if store is not None:
        store.mkdir(parents=True, exist_ok=True)
        with open(store / "access_model.pkl", "wb") as fh:
            pickle.dump(model, fh)
        (store / "access_model.json").write_text(
            json.dumps(
                {**asdict(info), "written_at": dt.datetime.now().isoformat(timespec="seconds")},
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    return scores, info
