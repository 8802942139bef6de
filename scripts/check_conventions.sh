#!/usr/bin/env bash
# The conventions gate (CI runs it after the tests): ruff, ruff format, yamllint, the generated
# raw-interface macro up to date with the sources' YAML, dbt-score and sqlfluff. Every check runs; the gate fails when any of them reports a violation.
# Exceptions are written down where each tool is configured, each with its reason:
#   ruff: [tool.ruff] in pyproject.toml     yamllint: .yamllint
#   sqlfluff: .sqlfluff, .sqlfluffignore    dbt-score: [tool.dbt-score] in pyproject.toml and
#   the project's rules in dbt_score_rules/conventions.py (naming per layer, grain tests,
#   descriptions and meta.pii on every column).
# Usage: scripts/check_conventions.sh [--fast]   (--fast skips sqlfluff, the slow one)
set -uo pipefail
cd "$(dirname "$0")/.."
venv=.venv/bin

# dbt compiles the project for dbt-score and sqlfluff: into a scratch folder, never the repository
scratch=$(mktemp -d "${TMPDIR:-/tmp}/conventions.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export NENKIN_AUDIT_WAREHOUSE="$scratch/warehouse.duckdb"
export DBT_TARGET_PATH="$scratch/target" DBT_LOG_PATH="$scratch/logs"
export DBT_PROFILES_DIR=. DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_USE_COLORS=false

failed=()
check() {
  local name=$1
  shift
  echo "== conventions: $name"
  if "$@"; then
    echo "== conventions: $name: ok"
  else
    echo "== conventions: $name: FAILED"
    failed+=("$name")
  fi
}

check "ruff check" "$venv/ruff" check .
check "ruff format" "$venv/ruff" format --check .
check "yamllint" "$venv/yamllint" -c .yamllint --strict .
check "raw interface macro" "$venv/python" -m nenkin_audit.raw_columns_macro --check
check "dbt parse" "$venv/dbt" --quiet parse
if [ -f "$DBT_TARGET_PATH/manifest.json" ]; then
  check "dbt-score" "$venv/dbt-score" lint --manifest "$DBT_TARGET_PATH/manifest.json"
fi
if [ "${1:-}" != "--fast" ]; then
  check "sqlfluff" "$venv/sqlfluff" lint --nocolor models macros tests/dbt $(ls -d analyses 2>/dev/null)
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "conventions gate: FAILED (${failed[*]})" >&2
  exit 1
fi
echo "conventions gate: all checks passed"
