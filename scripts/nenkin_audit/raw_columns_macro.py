"""Write the raw interface's columns, as the sources' YAML declares them, into a dbt macro.

The base_ models type and validate every delivered column (docs/internal-contracts.md §B).
What each column is and how it is checked lives in one place: the column's `config: meta:` in
the sources' YAML (`parse`, `required`, `code`, `code_column`, `values`, `range`,
`not_future`). dbt cannot read that YAML from a macro when it compiles a unit test (the graph
is empty there), so this module renders it into `macros/staging/raw_interface.sql`, which the
macros of `macros/staging/base_columns.sql` read. The file is derived, never edited by hand:

    python -m nenkin_audit.raw_columns_macro           # rewrite the macro after a YAML edit
    python -m nenkin_audit.raw_columns_macro --check   # exit 1 when it is out of date

The tests and the conventions gate run the check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from .home import project_dir
from .spec import SOURCES_GLOB

MACRO_PATH = Path("macros/staging/raw_interface.sql")

#: how a delivered text becomes a value; `text` (the default) is normalised text
PARSES = (
    "text",
    "free_text",
    "id",
    "kojin_no",
    "kiso_nenkin_no",
    "era_date",
    "iso_date",
    "timestamp",
    "integer",
    "bigint",
)
#: the column meta keys this module carries into the macro (others, e.g. confined_to, stay out)
RULE_KEYS = ("parse", "required", "code", "code_column", "values", "range", "not_future")

HEADER = """\
{#- GENERATED from the sources' YAML (models/staging/*/_*__sources.yml) by
    `python -m nenkin_audit.raw_columns_macro`. Do not edit: edit the YAML, then run it again
    (the tests and the conventions gate fail while this file is out of date).
    Per extract (source.table): its kind, its key and its staged columns in delivered order, each
    with how it is parsed and checked (docs/internal-contracts.md §B). Read by
    macros/staging/base_columns.sql. -#}
"""


def _meta(entry: dict) -> dict:
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


def _jinja(value: object) -> str:
    """A Jinja literal for a YAML scalar, list or mapping."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(_jinja(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_jinja(k)}: {_jinja(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} into the macro")


def staged_columns(table: dict, where: str) -> list[dict]:
    """The staged columns of one source table with their rule meta (lineage `_` columns and
    `staged: false` columns are left out)."""
    columns = []
    for column in table.get("columns") or []:
        meta = _meta(column)
        if column["name"].startswith("_") or meta.get("staged") is False:
            continue
        parse = meta.get("parse", "text")
        if parse not in PARSES:
            raise ValueError(
                f"{where}: column {column['name']}: parse {parse!r} is not one of {PARSES}"
            )
        rules = {k: meta[k] for k in RULE_KEYS if k in meta}
        columns.append(
            {
                "name": column["name"],
                "parse": parse,
                **{k: v for k, v in rules.items() if k != "parse"},
            }
        )
    return columns


def extracts(project: Path) -> dict[str, dict]:
    """{source.table: {kind, key, columns}} of every delivered extract, in file order."""
    found: dict[str, dict] = {}
    for path in sorted(project.glob(SOURCES_GLOB)):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources") or []:
            for table in source.get("tables") or []:
                meta = _meta(table)
                if "extract_kind" not in meta:
                    continue
                where = f"{path.relative_to(project)}: {source['name']}.{table['name']}"
                found[f"{source['name']}.{table['name']}"] = {
                    "kind": meta["extract_kind"],
                    "key": list(meta["key"]),
                    "columns": staged_columns(table, where),
                }
    return found


def render(project: Path) -> str:
    """The macro file's text."""
    lines = [HEADER, "{% macro raw_interface_extracts() -%}", "{{ return({"]
    for name, extract in extracts(project).items():
        lines.append(f"    {_jinja(name)}: {{")
        lines.append(f"        'kind': {_jinja(extract['kind'])},")
        lines.append(f"        'key': {_jinja(extract['key'])},")
        lines.append("        'columns': [")
        lines.extend(f"            {_jinja(column)}," for column in extract["columns"])
        lines.append("        ],")
        lines.append("    },")
    lines += ["}) }}", "{%- endmacro %}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nenkin_audit.raw_columns_macro",
        description=f"Write {MACRO_PATH} from the sources' YAML.",
    )
    parser.add_argument(
        "--check", action="store_true", help="only check: exit 1 when the file is out of date"
    )
    parser.add_argument(
        "--project", type=Path, default=None, help="dbt project directory (default: this checkout)"
    )
    args = parser.parse_args(argv)
    project = (args.project or project_dir()).resolve()
    target = project / MACRO_PATH
    text = render(project)
    current = target.read_text(encoding="utf-8") if target.is_file() else ""
    if args.check:
        if current != text:
            print(
                f"{MACRO_PATH} is out of date with the sources' YAML: run "
                "`python -m nenkin_audit.raw_columns_macro` and commit the result",
                file=sys.stderr,
            )
            return 1
        return 0
    if current != text:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    else:
        print(f"{target} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
