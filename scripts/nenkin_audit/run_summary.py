"""The summary every `run` ends with: the last lines of its output, what an operator reads in
the cron log. Names of files, reason codes, counts and test names only: never a delivered value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from .runlog import RUNS_SCHEMA, RUNS_TABLE, RunRecord
from .safe_text import printable

_MAX_LISTED = 20  # rejected / duplicate files named one by one; the rest counted


def quarantined_by_reason(
    warehouse: Path, manifest: Path, files: list[str]
) -> dict[str, int] | None:
    """Rows of `files` in the restricted quarantine relation, by reason code (None when the
    relation is not built)."""
    relation = _relation(manifest, "quarantine_rows")
    if relation is None or not warehouse.is_file():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            f"select reject_reason, count(*) from {relation} "
            "where list_contains(?, _file_name) group by reject_reason order by 2 desc, 1",
            [files],
        ).fetchall()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    return {str(reason): int(n) for reason, n in rows}


def quarantine_relation(manifest: Path) -> str | None:
    """The quarantine relation's quoted name in the last build (None before the first)."""
    return _relation(manifest, "quarantine_rows")


def _relation(manifest: Path, model: str) -> str | None:
    try:
        nodes: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError):
        return None
    for node in nodes.values():
        if node.get("resource_type") == "model" and node.get("name") == model:
            return f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
    return None


def _delta(now: int | None, before: int | None) -> str:
    if now is None or before is None:
        return ""
    return f" ({now - before:+,} since the last published run)"


def summary_lines(
    r: RunRecord,
    *,
    elapsed: float,
    previous: tuple[int | None, int | None],
    run_dir: Path,
    loaded_ever: bool | None,
) -> list[str]:
    out = [f"== summary of run {r.run_id} (run date {r.run_date}, target {r.target})"]
    new = r.files_loaded + r.files_duplicate + r.files_rejected
    if new == 0:
        out.append("files:      no new file in the inbox")
    else:
        out.append(
            f"files:      {new} offered: {r.files_loaded} loaded, {r.files_duplicate} duplicate, "
            f"{r.files_rejected} rejected"
        )
    for f in r.rejected_files[:_MAX_LISTED]:
        out.append(
            f"  rejected:  {printable(f['file'])} ({f['reason']}) kept as "
            f"{printable(f.get('kept_as') or 'the inbox (move failed)')}"
        )
    for f in r.duplicate_files[:_MAX_LISTED]:
        out.append(f"  duplicate: {printable(f['file'])} (same bytes as {printable(f['same_as'])})")
    hidden = max(len(r.rejected_files) - _MAX_LISTED, 0) + max(
        len(r.duplicate_files) - _MAX_LISTED, 0
    )
    if hidden:
        out.append(f"  … and {hidden} more: see raw.load_files and {run_dir / 'load.log'}")
    if r.rows_quarantined is not None:
        out.append(
            f"rows:       {r.rows_loaded:,} from the new files: {r.rows_staged:,} staged, "
            f"{r.rows_quarantined:,} quarantined"
        )
        if r.quarantined_by_reason:
            reasons = ", ".join(f"{k} {v:,}" for k, v in r.quarantined_by_reason.items())
            out.append(f"  quarantined by reason: {reasons}")
    elif r.rows_loaded:
        out.append(f"rows:       {r.rows_loaded:,} loaded from the new files")
    if r.flags is not None:
        out.append(
            f"review:     {r.flags:,} flagged access line(s){_delta(r.flags, previous[0])}; "
            f"{r.cases:,} case(s) in the review queue{_delta(r.cases, previous[1])}"
        )
    if r.stale_sources:
        out.append(f"stale:      {len(r.stale_sources)} source(s)")
        out.extend(f"  {s}" for s in r.stale_sources)
    elif loaded_ever:
        out.append("stale:      none")
    if r.dbt_results:
        counts = ", ".join(f"{n:,} {s}" for s, n in sorted(r.dbt_results.items()))
        out.append(f"dbt:        {counts} (full output: {run_dir / 'dbt.log'})")
    if r.failed_tests:
        out.append(f"failed:     {len(r.failed_tests)}: " + ", ".join(r.failed_tests[:_MAX_LISTED]))
    if r.warnings:
        out.append(f"warnings:   {len(r.warnings)}")
        out.extend(f"  {w}" for w in r.warnings)
    else:
        out.append("warnings:   none")
    if loaded_ever is False:
        out.append(
            "note:       nothing has ever been loaded into this warehouse: nothing was published"
        )
    out.append(
        f"result:     {r.outcome} (exit {r.exit_code}) in {elapsed:.1f} s; run record in "
        f"{RUNS_SCHEMA}.{RUNS_TABLE} and {run_dir}"
    )
    return out
