"""The raw interface (shared/spec/raw-interface.md) as data: one definition used by the generator,
the loader and the tests, so that the three can never disagree about an extract's columns. The
columns, keys and kinds are read from the dbt sources' YAML, which the staging models and the
quarantine union read too: adding a column to an extract is one edit there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from .home import project_dir

Kind = Literal["change", "snapshot", "ledger", "events", "append"]


@dataclass(frozen=True)
class Extract:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    kind: Kind
    source_system: str

    @property
    def header(self) -> str:
        return ",".join(self.columns)


#: where the raw interface's columns are declared: the dbt sources' YAML, one file per source
#: system (models/staging/<system>/_<system>__sources.yml). Each extract is a source table with
#: `config: {meta: {extract_kind: ..., key: [...]}}`; its columns are the table's columns in
#: the delivered order, less the loader's lineage columns (names starting with `_`).
SOURCES_GLOB = "models/staging/*/_*__sources.yml"


def _meta(entry: dict) -> dict:
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


def load_extracts(project: Path) -> dict[str, Extract]:
    """The extracts of the raw interface as the sources' YAML under `project` declares them."""
    extracts: dict[str, Extract] = {}
    for path in sorted(project.glob(SOURCES_GLOB)):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources") or []:
            for table in source.get("tables") or []:
                meta = _meta(table)
                if "extract_kind" not in meta:
                    continue  # not a delivered extract (e.g. the loader's own ledger)
                columns = tuple(
                    c["name"] for c in table.get("columns") or [] if not c["name"].startswith("_")
                )
                key = tuple(meta.get("key") or ())
                if not columns or not key or not set(key) <= set(columns):
                    raise ValueError(
                        f"{path}: source table {table['name']} needs columns and a meta key "
                        f"among them (got key {list(key)})"
                    )
                extracts[table["name"]] = Extract(
                    table["name"], columns, key, meta["extract_kind"], source["name"]
                )
    if not extracts:
        raise RuntimeError(f"no extract declared in {project / SOURCES_GLOB}")
    return extracts


EXTRACTS: dict[str, Extract] = load_extracts(project_dir())

# Longest names first so that "nenkin_kihon" never parses as an extract called "nenkin".
FILE_NAME_RE = re.compile(
    r"^(?P<extract>" + "|".join(sorted(EXTRACTS, key=len, reverse=True)) + r")"
    r"_(?P<date>[0-9]{8})_(?P<seq>[0-9]{3})\.csv\Z",
    re.ASCII,  # ASCII digits only: `\d` would also take full-width or Arabic-Indic digits
)


def file_name(extract: str, extract_date: str, seq: int) -> str:
    """`extract_date` as YYYYMMDD."""
    return f"{extract}_{extract_date}_{seq:03d}.csv"
