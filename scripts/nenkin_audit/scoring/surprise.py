"""Tail probabilities under the city's own normal, as surprise s = −log10 p.

Counts are judged with a quasi-Poisson tail: a count x against its expected value λ, both
divided by the signal's dispersion φ (how much more the city's counts vary than Poisson's),
P(X ≥ x) = P(x/φ, λ/φ), the regularised lower incomplete gamma function. Far in the tail,
where that underflows, its leading term is used in log space. Empirical tails (a count's
exceedance share among the city's units, with half a count of prior) serve where no expected
value per unit exists."""

from __future__ import annotations

import numpy as np
from scipy.special import gammainc, gammaln

#: floor of an expected count: a signal never seen is still possible
MIN_EXPECTED = 1e-3


def poisson_surprise(x: np.ndarray, lam: np.ndarray, phi: float | np.ndarray = 1.0) -> np.ndarray:
    """−log10 P(X ≥ x) for X quasi-Poisson with mean λ and dispersion φ (0 where x ≤ λ)."""
    x = np.asarray(x, dtype=float)
    lam = np.maximum(np.asarray(lam, dtype=float), MIN_EXPECTED)
    phi = np.broadcast_to(np.asarray(phi, dtype=float), x.shape)
    a = x / phi
    mu = lam / phi
    out = np.zeros_like(x)
    tail = (x > 0) & (x > lam)
    if not tail.any():
        return out
    a_t, mu_t = a[tail], mu[tail]
    with np.errstate(divide="ignore", under="ignore"):
        p = gammainc(a_t, mu_t)
        log_p = np.log(np.where(p > 1e-300, p, 1.0))
        # leading term of the series: x^a e^-x / Γ(a+1) · 1/(1 − x/(a+1))
        ratio = np.minimum(mu_t / (a_t + 1.0), 0.999)
        approx = a_t * np.log(mu_t) - mu_t - gammaln(a_t + 1.0) - np.log1p(-ratio)
        log_p = np.where(p > 1e-300, log_p, approx)
    out[tail] = np.maximum(-log_p / np.log(10.0), 0.0)
    return out


def dispersion(x: np.ndarray, lam: np.ndarray, trim: float = 0.995) -> float:
    """Pearson dispersion of counts around their expected values, the top tail trimmed (the
    anomalies the audit looks for must not widen the normal); at least 1 (Poisson)."""
    x = np.asarray(x, dtype=float)
    lam = np.maximum(np.asarray(lam, dtype=float), MIN_EXPECTED)
    r = (x - lam) ** 2 / lam
    if len(r) == 0:
        return 1.0
    cut = np.quantile(r, trim)
    kept = r[r <= cut]
    return float(max(1.0, kept.mean() if len(kept) else 1.0))


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
