"""Facts the Python side reads from their one source (nenkin_audit.project): the dbt project's
vars and the code seeds. The generator, the scoring settings and the test oracle all read them
here instead of restating them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from nenkin_audit.generate import access, filings, staff, vocab
from nenkin_audit.home import project_dir
from nenkin_audit.project import code_set, dbt_var, dbt_vars, seed_rows

ROOT = project_dir()


def _seed_column(name: str, column: str) -> list[str]:
    with open(ROOT / "seeds" / "codes" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return [r[column] for r in csv.DictReader(fh)]


def test_vars_are_those_of_dbt_project_yml() -> None:
    with open(ROOT / "dbt_project.yml", encoding="utf-8") as fh:
        want = yaml.safe_load(fh)["vars"]
    assert dbt_vars() == want
    assert want["reconciliation_window_days"] == filings.WINDOW


def test_a_changed_var_is_read_afresh(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("vars:\n  reconciliation_window_days: 31\n")
    assert dbt_var("reconciliation_window_days", tmp_path) == 31
    (tmp_path / "dbt_project.yml").write_text("vars:\n  reconciliation_window_days: 45\n")
    assert dbt_var("reconciliation_window_days", tmp_path) == 45


def test_a_missing_var_or_seed_says_where_to_add_it(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("vars:\n  other: 1\n")
    with pytest.raises(KeyError, match="dbt_project.yml sets no var 'reconciliation_window_days'"):
        dbt_var("reconciliation_window_days", tmp_path)
    with pytest.raises(FileNotFoundError, match="seed 'codes/code_wards' is missing"):
        seed_rows("codes/code_wards", tmp_path)


def test_code_set_is_the_seed_column_in_file_order(tmp_path: Path) -> None:
    (tmp_path / "seeds" / "codes").mkdir(parents=True)
    (tmp_path / "seeds" / "codes" / "code_x.csv").write_text("x,name\n2,b\n1,a\n")
    assert code_set("code_x", project=tmp_path) == ("2", "1")
    assert code_set("code_x", "name", project=tmp_path) == ("b", "a")


def test_the_generator_uses_the_seeds_code_sets() -> None:
    assert list(filings.TYPES) == _seed_column("code_todokede_shubetsu", "todokede_shubetsu")
    assert list(access.SHORI) == _seed_column("code_shori_jiyu", "shori_jiyu")
    assert list(access.OPS) == _seed_column("code_operations", "operation")
    assert list(staff.DEPTS) == _seed_column("code_offices", "office_code")
    assert [w[0] for w in vocab.WARDS] == _seed_column("code_wards", "ward_code")
    assert [w[1] for w in vocab.WARDS] == _seed_column("code_wards", "ward_name")
    assert list(vocab.HENREI_RIYU) == _seed_column("code_henrei_riyu", "henrei_riyu")
    # every office serving residents sits in the ward the seed gives it
    wards = _seed_column("code_wards", "ward_code")
    with open(ROOT / "seeds" / "codes" / "code_offices.csv", encoding="utf-8") as fh:
        for o in csv.DictReader(fh):
            if o["serves_residents"] == "true":
                want = wards.index(o["ward_code"]) if o["ward_code"] else -1
                assert staff.OFFICE_WARD[o["office_code"]] == want
