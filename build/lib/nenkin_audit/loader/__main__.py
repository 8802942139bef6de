"""`python -m nenkin_audit.loader --inbox DIR --warehouse FILE`: only the load step of `run`
(no dbt, no publishing), e.g. to load a large backlog ahead of the first build."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import UserError
from .load import load_inbox


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nenkin_audit.loader", description=__doc__)
    p.add_argument("--inbox", required=True, type=Path, help="folder the extracts arrive in")
    p.add_argument("--warehouse", required=True, type=Path, help="DuckDB warehouse file")
    args = p.parse_args(argv)
    os.umask(0o077)  # the warehouse holds the raw extracts: owner-only
    try:
        summary = load_inbox(args.inbox, args.warehouse, progress=lambda m: print(m, flush=True))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if summary.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
