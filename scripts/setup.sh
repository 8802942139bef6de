#!/usr/bin/env bash
# Set up nenkin-audit on a Debian machine: .venv with the pinned package and its dev tools, every
# transitive dependency at the version of requirements-dev.lock (production installs use
# requirements.lock; README "Production install"). Idempotent: re-running skips what is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin=""
for candidate in "${PYTHON:-}" python3.11 python3; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python_bin=$candidate
    break
  fi
done
if [ -z "$python_bin" ]; then
  echo "setup: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi

stamp=.venv/.nenkin-audit-installed
want=$(cat pyproject.toml requirements-dev.lock 2>/dev/null | sha256sum | cut -d' ' -f1)
constraints=()
if [ -f requirements-dev.lock ]; then
  constraints=(-c requirements-dev.lock)
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "setup: installing nenkin-audit and its pinned dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]" "${constraints[@]}"
  echo "$want" > "$stamp"
fi
echo "setup: ready (.venv/bin/nenkin-audit)"
