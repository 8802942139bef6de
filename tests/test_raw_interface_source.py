"""The raw interface's columns have one source, the dbt sources' YAML: nenkin_audit.spec reads it,
so a column added there reaches the loader and the generator with no other edit; a table that
declares an extract without a usable key is refused with the file named. The base_ models'
columns and rules come from the same YAML, through the macro nenkin_audit.raw_columns_macro
writes: it must be up to date, and a rule declared in the YAML must reach it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from nenkin_audit import raw_columns_macro
from nenkin_audit.spec import EXTRACTS, SOURCES_GLOB, load_extracts

REPO = Path(__file__).resolve().parents[1]


def _copy_sources(tmp_path: Path) -> Path:
    for path in REPO.glob(SOURCES_GLOB):
        dst = tmp_path / path.relative_to(REPO)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dst)
    return tmp_path


def test_every_extract_comes_from_the_sources_yaml() -> None:
    assert load_extracts(REPO) == EXTRACTS
    assert len(EXTRACTS) == 14
    assert EXTRACTS["menjo"].key == ("kiso_nenkin_no", "nendo", "menjo_shurui")
    assert EXTRACTS["access_log"].columns[-4:] == (
        "subj_shimei",
        "subj_sex",
        "subj_birth_date",
        "subj_address",
    )
    assert "load_files" not in EXTRACTS  # the loader's own ledger is no delivered extract
    assert not any(c.startswith("_") for e in EXTRACTS.values() for c in e.columns)


def test_a_column_added_in_the_yaml_is_a_column_of_the_extract(tmp_path: Path) -> None:
    project = _copy_sources(tmp_path)
    path = project / "models/staging/kiban/_kiban__sources.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    table = next(t for t in doc["sources"][0]["tables"] if t["name"] == "terminal")
    table["columns"].insert(5, {"name": "floor", "description": "フロア"})
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert load_extracts(project)["terminal"].columns == EXTRACTS["terminal"].columns + ("floor",)


def test_an_extract_without_a_key_among_its_columns_is_refused(tmp_path: Path) -> None:
    project = _copy_sources(tmp_path)
    path = project / "models/staging/kiban/_kiban__sources.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    table = next(t for t in doc["sources"][0]["tables"] if t["name"] == "terminal")
    table["config"]["meta"]["key"] = ["terminal_no"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="_kiban__sources.yml: source table terminal"):
        load_extracts(project)


def test_the_base_columns_macro_is_up_to_date_with_the_yaml() -> None:
    assert raw_columns_macro.main(["--check", "--project", str(REPO)]) == 0


def test_a_column_rule_declared_in_the_yaml_reaches_the_macro(tmp_path: Path, capsys) -> None:
    project = _copy_sources(tmp_path)
    macro = project / raw_columns_macro.MACRO_PATH
    macro.parent.mkdir(parents=True)
    shutil.copy(REPO / raw_columns_macro.MACRO_PATH, macro)
    path = project / "models/staging/kiban/_kiban__sources.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    table = next(t for t in doc["sources"][0]["tables"] if t["name"] == "terminal")
    meta = {"parse": "iso_date", "required": True, "not_future": True}
    table["columns"].insert(5, {"name": "installed_on", "config": {"meta": meta}})
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")

    assert raw_columns_macro.main(["--check", "--project", str(project)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert raw_columns_macro.main(["--project", str(project)]) == 0
    text = macro.read_text(encoding="utf-8")
    assert (
        "{'name': 'installed_on', 'parse': 'iso_date', 'required': true, 'not_future': true}"
        in text
    )
    assert raw_columns_macro.main(["--check", "--project", str(project)]) == 0
    # the restricted-layer meta stays out of the macro; staged: false columns are not staged
    assert "confined_to" not in text and "subj_shimei" not in text


def test_an_unknown_parse_is_refused_with_the_column_named(tmp_path: Path) -> None:
    project = _copy_sources(tmp_path)
    path = project / "models/staging/kiban/_kiban__sources.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    table = next(t for t in doc["sources"][0]["tables"] if t["name"] == "terminal")
    table["columns"][0].setdefault("config", {}).setdefault("meta", {})["parse"] = "date"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="kiban.terminal: column terminal_id: parse 'date'"):
        raw_columns_macro.render(project)
