"""Tail probabilities under the city's own normal, as surprise s = −log10 p.

Counts are judged with a negative-binomial tail: a count x against its expected value λ with
the overdispersion the city's own counts show (variance λ + λ²/k, 1/k measured by moments),
computed in log space so that far tails stay finite. Empirical tails (a count's exceedance
share among the city's units, with half a count of prior) serve where no expected value per
unit exists."""

from __future__ import annotations

import numpy as np
from scipy.stats import nbinom, poisson

#: floor of an expected count: a signal never seen is still possible
MIN_EXPECTED = 1e-3


def count_surprise(x: np.ndarray, lam: np.ndarray, inv_k: float | np.ndarray = 0.0) -> np.ndarray:
    """−log10 P(X ≥ x) for X negative binomial with mean λ and variance λ + λ²/k (inv_k = 1/k;
    0 is Poisson); 0 where x ≤ λ. The variance grows with the square of the mean: a member's
    day varies with the day's work (a list day, a quiet day), not only by chance."""
    x = np.asarray(x, dtype=float)
    lam = np.maximum(np.asarray(lam, dtype=float), MIN_EXPECTED)
    inv_k = np.broadcast_to(np.asarray(inv_k, dtype=float), x.shape)
    out = np.zeros_like(x)
    tail = (x > 0) & (x > lam)
    if not tail.any():
        return out
    xt, lt, ik = np.ceil(x[tail]), lam[tail], inv_k[tail]
    log_p = np.empty_like(xt)
    pois = ik < 1e-9
    with np.errstate(divide="ignore"):
        if pois.any():
            xp, lp = xt[pois], lt[pois]
            exact = poisson.logsf(xp - 1, lp)
            # far tail: P(X = x) / (1 − r), r = λ / (x + 1) the ratio of successive terms
            lead = poisson.logpmf(xp, lp) - np.log1p(-np.minimum(lp / (xp + 1.0), 0.999))
            log_p[pois] = np.where(np.isfinite(exact), exact, lead)
        nb = ~pois
        if nb.any():
            xn, ln, n = xt[nb], lt[nb], 1.0 / ik[nb]
            q = n / (n + ln)
            exact = nbinom.logsf(xn - 1, n, q)
            ratio = (xn + n) / (xn + 1.0) * (1.0 - q)
            lead = nbinom.logpmf(xn, n, q) - np.log1p(-np.minimum(ratio, 0.999))
            log_p[nb] = np.where(np.isfinite(exact), exact, lead)
    out[tail] = np.maximum(-log_p / np.log(10.0), 0.0)
    return out


def overdispersion(x: np.ndarray, lam: np.ndarray, trim: float = 0.995) -> float:
    """1/k of a negative binomial around the expected values, by moments: the variance beyond
    Poisson's, relative to λ². The top tail of squared deviations is trimmed (the anomalies the
    audit looks for must not widen the normal); 0 when the counts vary no more than Poisson."""
    x = np.asarray(x, dtype=float)
    lam = np.maximum(np.asarray(lam, dtype=float), MIN_EXPECTED)
    if len(x) == 0:
        return 0.0
    dev = (x - lam) ** 2
    kept = dev <= np.quantile(dev, trim)
    num = (dev[kept] - lam[kept]).sum()
    den = (lam[kept] ** 2).sum()
    return float(max(0.0, num / den)) if den > 0 else 0.0


def empirical_surprise(values: np.ndarray, population: np.ndarray, total: int) -> np.ndarray:
    """−log10 of the share of the city's `total` units whose value reaches each value, where
    `population` holds the values of the units that have one (the others count as below)."""
    values = np.asarray(values, dtype=float)
    pop = np.sort(np.asarray(population, dtype=float))
    at_least = len(pop) - np.searchsorted(pop, values, side="left")
    p = (at_least + 0.5) / (max(total, len(pop)) + 1.0)
    return -np.log10(np.minimum(p, 1.0))


def rank_surprise(scores: np.ndarray) -> np.ndarray:
    """−log10 of each score's upper-tail rank among all scores (higher score = rarer)."""
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    order = np.argsort(-scores, kind="stable")
    rank = np.empty(n)
    rank[order] = np.arange(1, n + 1)
    return -np.log10(rank / (n + 1.0))


def tail_surprise(scores: np.ndarray, tail_share: float = 0.1) -> np.ndarray:
    """−log10 of each score's upper-tail probability: the empirical rank in the body, and beyond
    the top `tail_share` an exponential tail fitted to the excesses (peaks over threshold), so
    that the most isolated units are told apart instead of sharing the smallest rank."""
    scores = np.asarray(scores, dtype=float)
    s = rank_surprise(scores)
    if len(scores) < 20:
        return s
    u = np.quantile(scores, 1.0 - tail_share)
    excess = scores[scores > u] - u
    beta = excess.mean() if len(excess) and excess.mean() > 0 else None
    if beta is None:
        return s
    above = scores > u
    s_tail = -np.log10(tail_share) + (scores[above] - u) / (beta * np.log(10.0))
    s[above] = s_tail
    return s


def risk_from_surprise(s: np.ndarray) -> np.ndarray:
    """The published risk score: s / (1 + s), in [0, 1), the same for the same evidence on
    any day (s = 1 is p = 0.1 → 0.5; s = 4 is p = 10⁻⁴ → 0.8; s = 9 → 0.9)."""
    s = np.maximum(np.asarray(s, dtype=float), 0.0)
    return s / (1.0 + s)
