"""The project's own conventions as dbt-score rules (run by scripts/check_conventions.sh)."""
