"""Scoring of the access log against each city's own normal (after dbt, before publishing)."""

from .score import MODES, ScoreSummary, score_warehouse

__all__ = ["MODES", "ScoreSummary", "score_warehouse"]
