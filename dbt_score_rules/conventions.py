"""Naming per layer, a grain test on every model, and a PII class on every column.

Each rule takes `exceptions`: {model name: reason}, set in pyproject.toml
([tool.dbt-score.rules."dbt_score_rules.conventions.<rule>"]); a model listed there is not
checked by that rule, and the reason says why. Everything else must comply: the gate fails on
any violation (fail_any_item_under = 10).

    layer (folder)                 name
    models/staging/<src>/base/     base_<src>__<table>
    models/staging/<src>/          stg_<src>__<entity>
    models/intermediate/<domain>/  int_<domain>__<entity>
    models/marts/<domain>/         fct_<...>, dim_<...> or agg_<...>

A grain test is a `unique` test on a column, or the generic test `unique_columns` on the model
(several columns; dbt's `config: where:` may restrict the rows).
"""

import re
from typing import Any

from dbt_score import Model, RuleViolation, rule

PII_CLASSES = ("none", "quasi", "sensitive", "direct")


def _skipped(model: Model, exceptions: dict[str, str] | None) -> bool:
    return model.name in (exceptions or {})


def expected_name_pattern(path: str) -> tuple[str, str] | None:
    """(regex, human-readable form) of a model's name from its file path; None outside layers."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "models":
        return None
    layer, folder = parts[1], parts[2]
    if layer == "staging" and len(parts) >= 5 and parts[3] == "base":
        return rf"^base_{folder}__[a-z0-9_]+$", f"base_{folder}__<table>"
    if layer == "staging" and len(parts) >= 4:
        return rf"^stg_{folder}__[a-z0-9_]+$", f"stg_{folder}__<entity>"
    if layer == "intermediate" and len(parts) >= 4:
        return rf"^int_{folder}__[a-z0-9_]+$", f"int_{folder}__<entity>"
    if layer == "marts" and len(parts) >= 4:
        return r"^(fct|dim|agg)_[a-z0-9_]+$", "fct_/dim_/agg_<name>"
    return r"^$", f"a model file inside models/{layer}/<folder>/"


@rule
def model_name_follows_layer(
    model: Model, exceptions: dict[str, str] | None = None
) -> RuleViolation | None:
    """A model's name says its layer and folder (base_, stg_, int_, fct_/dim_/agg_)."""
    if _skipped(model, exceptions):
        return None
    expected = expected_name_pattern(model.original_file_path)
    if expected and not re.match(expected[0], model.name):
        return RuleViolation(
            message=f"{model.original_file_path}: name should be {expected[1]}, is {model.name}."
        )
    return None


def _test_kind(test: Any) -> str:
    return (test.type or test.name or "").rsplit(".", 1)[-1]


@rule
def model_has_grain_test(
    model: Model, exceptions: dict[str, str] | None = None
) -> RuleViolation | None:
    """A model tests its grain: `unique` on a column or `unique_columns` on the model."""
    if _skipped(model, exceptions) or model.config.get("materialized") == "ephemeral":
        return None
    kinds = {_test_kind(t) for t in model.tests}
    kinds |= {_test_kind(t) for c in model.columns for t in c.tests}
    if not kinds & {"unique", "unique_columns"}:
        return RuleViolation(message="No grain test (unique on a column, or unique_columns).")
    return None


def _pii(column: Any) -> Any:
    return ((column.config or {}).get("meta") or {}).get("pii") or (column.meta or {}).get("pii")


@rule
def columns_have_pii_class(
    model: Model, exceptions: dict[str, str] | None = None
) -> RuleViolation | None:
    """Every documented column has `config: {meta: {pii: none|quasi|sensitive|direct}}`."""
    if _skipped(model, exceptions):
        return None
    missing = [c.name for c in model.columns if _pii(c) not in PII_CLASSES]
    if missing:
        return RuleViolation(message=f"Columns without meta.pii: {', '.join(missing)[:80]}")
    return None


@rule
def model_documents_columns(
    model: Model, exceptions: dict[str, str] | None = None
) -> RuleViolation | None:
    """A model is described and documents at least one column, each with a description."""
    if _skipped(model, exceptions):
        return None
    if not (model.description or "").strip():
        return RuleViolation(message="Model lacks a description.")
    if not model.columns:
        return RuleViolation(message="Model documents no column.")
    bare = [c.name for c in model.columns if not (c.description or "").strip()]
    if bare:
        return RuleViolation(message=f"Columns lack a description: {', '.join(bare)[:80]}")
    return None


@rule
def model_sql_is_short(
    model: Model, max_lines: int = 200, exceptions: dict[str, str] | None = None
) -> RuleViolation | None:
    """A model's SQL fits in `max_lines` lines: longer ones are split into int_ models."""
    if _skipped(model, exceptions):
        return None
    lines = len(model.raw_code.split("\n"))
    if lines > max_lines:
        return RuleViolation(message=f"SQL is {lines} lines (> {max_lines}); split it.")
    return None
