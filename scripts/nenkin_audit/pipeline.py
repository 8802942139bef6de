"""`run` and `demo`: the scheduled job end to end (placeholder until the loader lands)."""

from __future__ import annotations

from pathlib import Path

from .home import Home


def run(inbox: Path, home: Home, *, target: str = "duckdb") -> int:
    raise NotImplementedError


def demo(home: Home, *, persons: int, days: int, seed: int) -> int:
    raise NotImplementedError
