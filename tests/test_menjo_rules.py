"""The exemption income rule (nenkin_audit.menjo_rules over seeds/menjo_income_thresholds.csv)
against the official formulas of 日本年金機構 (cited in the seed's description)."""

from __future__ import annotations

from datetime import date

import pytest

from nenkin_audit import menjo_rules as m


def official_zengaku(heads: int, nendo: int) -> int:
    return (heads + 1) * 350_000 + (320_000 if nendo >= 2021 else 220_000)


def official_graded_base(shurui: str, nendo: int) -> int:
    new = {"03": 880_000, "04": 1_280_000, "05": 1_680_000, "06": 1_280_000}
    return new[shurui] - (100_000 if nendo < 2021 else 0)


@pytest.mark.parametrize("nendo", [2019, 2020, 2021, 2024])
@pytest.mark.parametrize("heads", [0, 1, 3])
def test_zengaku_and_yuyo_limit_is_inclusive(nendo: int, heads: int) -> None:
    limit = official_zengaku(heads, nendo)
    income = {"gokei_shotoku": limit, "ippan_fuyo": heads}
    assert m.allowed_shurui(income, nendo) == "02"
    assert m.yuyo_allowed(income, nendo)
    over = {**income, "gokei_shotoku": limit + 1}
    assert m.allowed_shurui(over, nendo) != "02"
    assert not m.yuyo_allowed(over, nendo)


def test_zengaku_ignores_social_insurance_deduction() -> None:
    # 全額免除 compares the income as it is: a deduction does not bring 67万円+1 under the limit.
    income = {"gokei_shotoku": 670_001, "shakai_hoken_kojo": 200_000}
    assert m.allowed_shurui(income, 2024) == "03"
    assert not m.yuyo_allowed(income, 2024)


@pytest.mark.parametrize("shurui", ["03", "04", "05"])
@pytest.mark.parametrize("nendo", [2020, 2023])
def test_graded_limits_add_dependant_deductions_and_kojo(shurui: str, nendo: int) -> None:
    kojo = 213_456
    # one 一般, one 特定 (大学生の子), one 老人 dependant: 38万 + 63万 + 48万
    deps = {"ippan_fuyo": 1, "tokutei_fuyo": 1, "rojin_fuyo": 1}
    limit = official_graded_base(shurui, nendo) + 380_000 + 630_000 + 480_000
    at = {**deps, "gokei_shotoku": limit + kojo, "shakai_hoken_kojo": kojo}
    assert m.income_allows(at, shurui, nendo)
    assert not m.income_allows({**at, "gokei_shotoku": limit + kojo + 1}, shurui, nendo)


def test_most_generous_class_wins_and_none_when_too_rich() -> None:
    order = ["02", "03", "04", "05"]
    prev = None
    for gokei in range(0, 3_000_001, 10_000):
        got = m.allowed_shurui({"gokei_shotoku": gokei}, 2024)
        # rising income never makes a more generous class available
        rank = order.index(got) if got else len(order)
        assert prev is None or rank >= prev
        prev = rank
    assert m.allowed_shurui({"gokei_shotoku": 1_680_001}, 2024) is None
    assert m.allowed_shurui({"gokei_shotoku": 1_680_000}, 2024) == "05"


def test_student_rule_and_personal_deductions() -> None:
    base = official_graded_base("06", 2024)
    assert m.student_allowed({"gokei_shotoku": base}, 2024)
    assert not m.student_allowed({"gokei_shotoku": base + 1}, 2024)
    # 勤労学生控除 27万円 is subtracted from the income
    assert m.student_allowed({"gokei_shotoku": base + 270_000, "honnin_kinro_gakusei": 1}, 2024)


def test_special_limit_for_disabled_or_single_parent_only_for_zengaku() -> None:
    income = {"gokei_shotoku": 1_350_000, "honnin_kafu": 2}
    assert m.allowed_shurui(income, 2024) == "02"
    assert not m.yuyo_allowed(income, 2024)
    assert m.allowed_shurui({"gokei_shotoku": 1_350_000}, 2024) != "02"


def test_year_mapping() -> None:
    assert m.exemption_nendo(date(2024, 7, 1)) == 2024
    assert m.exemption_nendo(date(2025, 6, 30)) == 2024
    assert m.income_nendo(2024) == 2024


def test_unknown_year_is_a_user_error() -> None:
    with pytest.raises(m.UserError):
        m.allowed_shurui({"gokei_shotoku": 0}, 1999)
