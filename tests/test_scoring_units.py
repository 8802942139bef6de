"""The scoring step's statistics on small hand-made data: tail probabilities, baselines that
trail, the model's determinism, one case per series window."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy.stats import nbinom, poisson

from nenkin_audit.scoring.baselines import expected_counts
from nenkin_audit.scoring.model import fit_and_score
from nenkin_audit.scoring.score import _window_first_alerts
from nenkin_audit.scoring.settings import Settings, load_signals
from nenkin_audit.scoring.surprise import (
    count_surprise,
    empirical_surprise,
    overdispersion,
    risk_from_surprise,
    tail_surprise,
)

SETTINGS = Settings(
    baseline_days=28,
    series_days=7,
    office_weekday_days=56,
    peer_prior_days=5,
    false_alarms_per_day=1.0,
    review_budget=20,
    model_trees=50,
    model_seed=7,
)


def test_settings_and_signals_come_from_the_project() -> None:
    settings = Settings.load()
    assert settings.review_budget > 0 and settings.false_alarms_per_day > 0
    signals = load_signals()
    codes = [s.code for s in signals]
    assert len(codes) == len(set(codes))
    assert {s.family for s in signals} == {"hard", "baseline", "model"}
    assert all(s.line_condition and s.label_ja for s in signals)


@pytest.mark.parametrize(("x", "lam"), [(3, 1.0), (10, 2.5), (1, 0.2), (25, 8.0)])
def test_count_surprise_is_the_poisson_tail_without_overdispersion(x: int, lam: float) -> None:
    expected = -np.log10(poisson.sf(x - 1, lam))
    assert count_surprise(np.array([x]), np.array([lam]))[0] == pytest.approx(expected, rel=1e-6)


def test_count_surprise_is_the_negative_binomial_tail() -> None:
    k = 4.0
    expected = -np.log10(nbinom.sf(19, k, k / (k + 6.0)))
    got = count_surprise(np.array([20.0]), np.array([6.0]), 1 / k)[0]
    assert got == pytest.approx(expected, rel=1e-6)


def test_count_surprise_far_tail_stays_finite_and_grows() -> None:
    s = count_surprise(np.array([200.0, 400.0, 800.0]), np.array([1.0, 1.0, 1.0]))
    assert np.all(np.isfinite(s)) and s[0] > 100 and s[0] < s[1] < s[2]


def test_count_surprise_is_zero_at_or_below_the_expected_count() -> None:
    assert count_surprise(np.array([0.0, 2.0, 5.0]), np.array([1.0, 2.0, 9.0])).tolist() == [
        0,
        0,
        0,
    ]


def test_overdispersion_is_measured_and_widens_the_tail() -> None:
    rng = np.random.default_rng(1)
    lam = np.full(20000, 4.0)
    k = 2.0
    overdispersed = rng.negative_binomial(k, k / (k + 4.0), 20000).astype(float)
    inv_k = overdispersion(overdispersed, lam, trim=1.0)
    assert inv_k == pytest.approx(1 / k, rel=0.15)
    assert overdispersion(rng.poisson(4.0, 20000).astype(float), lam) < 0.05
    tight = count_surprise(np.array([15.0]), np.array([4.0]))[0]
    wide = count_surprise(np.array([15.0]), np.array([4.0]), inv_k)[0]
    assert wide < tight


def test_empirical_surprise_counts_the_units_without_a_value_as_below() -> None:
    population = np.array([2, 2, 3, 5])
    s = empirical_surprise(np.array([2, 5, 9]), population, total=1000)
    assert s[0] < s[1] < s[2]
    assert s[1] == pytest.approx(-np.log10(1.5 / 1001))


def test_tail_surprise_orders_the_most_isolated_apart() -> None:
    scores = np.concatenate([np.linspace(0.3, 0.5, 1000), [0.6, 0.7, 0.9]])
    s = tail_surprise(scores)
    assert s[-1] > s[-2] > s[-3] > s[0]
    assert s[-1] > -np.log10(1 / 1004)  # beyond the smallest rank


def test_risk_score_is_monotone_below_one() -> None:
    r = risk_from_surprise(np.array([0.0, 1.0, 4.0, 30.0]))
    assert r.tolist() == sorted(r.tolist()) and r[0] == 0 and r[-1] < 1
    assert r[1] == pytest.approx(0.5) and r[2] == pytest.approx(0.8)


def _days(counts: dict[str, list[int]], start=dt.date(2026, 4, 1)) -> pl.DataFrame:
    rows = []
    for staff, values in counts.items():
        for i, v in enumerate(values):
            d = start + dt.timedelta(days=i)
            rows.append(
                {
                    "staff_id": staff,
                    "access_date": d,
                    "peer_role": "1",
                    "peer_dept_code": "K01",
                    "iso_weekday": d.isoweekday(),
                    "x": v,
                }
            )
    return pl.DataFrame(rows)


def test_baseline_trails_so_a_spike_does_not_make_itself_normal() -> None:
    days = _days({"A": [2] * 20 + [40], "B": [2] * 21, "C": [2] * 21})
    out = expected_counts(days, ["x"], SETTINGS).sort("staff_id", "access_date")
    spike = out.filter((pl.col("staff_id") == "A") & (pl.col("x") == 40))
    assert spike["exp_x"][0] == pytest.approx(2.0)
    # the day after, the spike is in A's history: A's own baseline rises, the peers' less
    later = expected_counts(
        _days({"A": [2] * 20 + [40, 2], "B": [2] * 22, "C": [2] * 22}), ["x"], SETTINGS
    ).filter((pl.col("staff_id") == "A") & (pl.col("access_date") == dt.date(2026, 4, 22)))
    assert later["exp_x"][0] > 2.0


def test_a_new_member_is_judged_by_the_peers() -> None:
    days = _days({"A": [10] * 15, "B": [10] * 15}).vstack(
        _days({"N": [1]}, start=dt.date(2026, 4, 15))
    )
    out = expected_counts(days, ["x"], SETTINGS)
    new = out.filter(pl.col("staff_id") == "N")
    assert new["exp_x"][0] == pytest.approx(10.0)


def test_the_model_is_deterministic_for_a_seed(tmp_path) -> None:
    rng = np.random.default_rng(3)
    n = 300
    days = pl.DataFrame(
        {
            "x": rng.poisson(3, n),
            "exp_x": np.full(n, 3.0),
            "day_lines": rng.poisson(200, n),
            "explained_lines": rng.poisson(100, n),
            "access_date": [dt.date(2026, 4, 1) + dt.timedelta(days=i % 60) for i in range(n)],
        }
    )
    a, info = fit_and_score(days, ["x"], trees=50, seed=11, store=tmp_path)
    b, _ = fit_and_score(days, ["x"], trees=50, seed=11, store=None)
    c, _ = fit_and_score(days, ["x"], trees=50, seed=12, store=None)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert info.training_rows == n and info.trained_from == "2026-04-01"
    assert (tmp_path / "access_model.pkl").stat().st_size > 0
    assert '"random_state": 11' in (tmp_path / "access_model.json").read_text(encoding="utf-8")


def test_a_series_is_one_case_per_window() -> None:
    frame = pl.DataFrame(
        {
            "staff_id": ["A"] * 10,
            "access_date": [dt.date(2026, 4, 1) + dt.timedelta(days=i) for i in range(10)],
            "s": [5.0] * 10,
        }
    )
    kept = _window_first_alerts(frame, ["staff_id"], pl.lit(3.0), 7)
    assert kept["access_date"].to_list() == [dt.date(2026, 4, 1), dt.date(2026, 4, 8)]
