"""Deterministic random streams: one numpy Generator per purpose, derived from the city's seed.

Each part of the city draws from its own stream, so that switching an option on (misuse, bad
input) adds to the city without reshuffling the rest of it."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *names: str | int) -> np.random.Generator:
    """A Generator for (seed, names...): same arguments, same numbers, on every platform."""
    key = [int(seed) & 0xFFFFFFFF]
    for n in names:
        key.append(zlib.crc32(str(n).encode("utf-8")))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    """`k` distinct elements of `pool` (fewer when the pool is smaller), in random order."""
    k = min(int(k), len(pool))
    if k <= 0:
        return pool[:0]
    return pool[rng.permutation(len(pool))[:k]]


def weighted_index(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """`size` indices into `weights`, drawn with replacement proportionally to the weights."""
    w = np.asarray(weights, dtype=float)
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(w) - 1)
