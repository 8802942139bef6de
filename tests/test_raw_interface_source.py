"""The raw interface's columns have one source, the dbt sources' YAML: nenkin_audit.spec reads it,
so a column added there reaches the loader and the generator with no other edit; a table that
declares an extract without a usable key is refused with the file named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

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
