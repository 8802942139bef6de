"""The income rule of the 国民年金 premium exemptions (保険料免除・納付猶予制度 所得基準).

One source of truth: the dbt seed ``seeds/menjo_income_thresholds.csv`` (one row per exemption
class and version, versioned by ``nendo``, the July–June exemption year); which classes are
graded, student or deferment (and the grades' order) is ``code_menjo_shurui.income_rule`` and
``income_grade``. This module reads
that seed; the dbt model ``int_filings__exemption_checks`` applies the same rule in SQL, and the
generator imports this module so generated JPS decisions agree with the SQL cross-check.

The rule (per row of the seed, ``income`` holds the 税システム shotoku fields, missing = 0):

* ``heads`` (扶養親族等の数) = ippan_fuyo + rojin_fuyo + tokutei_fuyo + nensho_fuyo + kojo_haigusha.
* ``count_plus_one`` (02 全額免除, 07 納付猶予):
  limit = (heads + 1) × per_head_yen + base_yen, compared with gokei_shotoku as it is (no
  deductions). For 02 only, a person who is 障害者 or 寡婦/ひとり親 (honnin_shogai > 0 or
  honnin_kafu > 0) may use special_limit_yen instead when that is higher.
* ``base_plus_kojo`` (03 4分の3, 04 半額, 05 4分の1, 06 学生納付特例):
  limit = base_yen + (ippan_fuyo + nensho_fuyo + kojo_haigusha) × fuyo_ippan_yen
  + rojin_fuyo × fuyo_rojin_yen + tokutei_fuyo × fuyo_tokutei_yen (扶養親族等控除額),
  compared with gokei_shotoku − 社会保険料控除額等, where 社会保険料控除額等 = shakai_hoken_kojo
  + zasson_kojo + iryohi_kojo + haigusha_tokubetsu_kojo + 障害者控除 (honnin_shogai 1 →
  shogai_yen, 2 → tokubetsu_shogai_yen; shogaisha_fuyo × shogai_yen; tokubetsu_shogaisha_fuyo ×
  tokubetsu_shogai_yen) + 寡婦/ひとり親 (honnin_kafu 1 → kafu_yen, 2 → hitorioya_yen) + 勤労学生
  (honnin_kinro_gakusei 1 → kinro_gakusei_yen).
* The income is within the class when it is ≤ the limit (「以下」).

Simplifications (documented in the seed's description too): only the applicant's own income
is considered (the real rule also tests the spouse and the 世帯主, and 学生納付特例 / 納付猶予 have
non-income conditions: enrolment, age under 50); 失業等の特例 and 天災 are not modelled.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from .errors import UserError
from .home import project_dir
from .project import seed_rows

SEED_NAME = "menjo_income_thresholds.csv"


def _classes_by_income_rule() -> dict[str, list[tuple[str, str]]]:
    """(menjo_shurui, income_grade) of each code_menjo_shurui row, by its income_rule."""
    by_rule: dict[str, list[tuple[str, str]]] = {}
    for row in seed_rows("codes/code_menjo_shurui"):
        by_rule.setdefault(row["income_rule"], []).append(
            (row["menjo_shurui"], row["income_grade"])
        )
    return by_rule


_BY_RULE = _classes_by_income_rule()
#: Exemption classes decided by income, most generous (lowest income_grade) first.
GRADED_SHURUI: tuple[str, ...] = tuple(
    code for code, _ in sorted(_BY_RULE["graded"], key=lambda c: int(c[1]))
)
(STUDENT_SHURUI,) = (code for code, _ in _BY_RULE["student"])
(YUYO_SHURUI,) = (code for code, _ in _BY_RULE["deferment"])


@dataclass(frozen=True)
class Threshold:
    """One row of the seed: the income limit of one exemption class for a range of nendo."""

    valid_from_nendo: int
    valid_to_nendo: int | None
    menjo_shurui: str
    formula: str
    base_yen: int
    per_head_yen: int
    fuyo_ippan_yen: int
    fuyo_rojin_yen: int
    fuyo_tokutei_yen: int
    deduct_kojo: bool
    shogai_yen: int
    tokubetsu_shogai_yen: int
    kafu_yen: int
    hitorioya_yen: int
    kinro_gakusei_yen: int
    special_limit_yen: int | None

    def covers(self, nendo: int) -> bool:
        return self.valid_from_nendo <= nendo and (
            self.valid_to_nendo is None or nendo <= self.valid_to_nendo
        )


def seed_path() -> Path:
    return project_dir() / "seeds" / SEED_NAME


def _int(value: str) -> int:
    return int(value) if value.strip() else 0


def _opt_int(value: str) -> int | None:
    return int(value) if value.strip() else None


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Threshold, ...]:
    if not path.is_file():
        raise UserError(
            f"the exemption income thresholds seed is missing: {path}. "
            "Restore seeds/menjo_income_thresholds.csv from the repository."
        )
    rows: list[Threshold] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            formula = rec["formula"].strip()
            if formula not in ("count_plus_one", "base_plus_kojo"):
                raise UserError(
                    f"{path}: unknown formula {formula!r} for menjo_shurui {rec['menjo_shurui']}; "
                    "use count_plus_one or base_plus_kojo."
                )
            rows.append(
                Threshold(
                    valid_from_nendo=int(rec["valid_from_nendo"]),
                    valid_to_nendo=_opt_int(rec["valid_to_nendo"]),
                    menjo_shurui=rec["menjo_shurui"].strip(),
                    formula=formula,
                    base_yen=_int(rec["base_yen"]),
                    per_head_yen=_int(rec["per_head_yen"]),
                    fuyo_ippan_yen=_int(rec["fuyo_ippan_yen"]),
                    fuyo_rojin_yen=_int(rec["fuyo_rojin_yen"]),
                    fuyo_tokutei_yen=_int(rec["fuyo_tokutei_yen"]),
                    deduct_kojo=rec["deduct_kojo"].strip().lower() == "true",
                    shogai_yen=_int(rec["shogai_yen"]),
                    tokubetsu_shogai_yen=_int(rec["tokubetsu_shogai_yen"]),
                    kafu_yen=_int(rec["kafu_yen"]),
                    hitorioya_yen=_int(rec["hitorioya_yen"]),
                    kinro_gakusei_yen=_int(rec["kinro_gakusei_yen"]),
                    special_limit_yen=_opt_int(rec["special_limit_yen"]),
                )
            )
    return tuple(rows)


def thresholds() -> tuple[Threshold, ...]:
    """Every row of the seed."""
    return _load(seed_path())


@cache
def threshold(menjo_shurui: str, nendo: int) -> Threshold:
    """The rule of one class in one exemption year (looked up once per class and year: callers
    such as the generator decide tens of thousands of applications)."""
    found = [t for t in thresholds() if t.menjo_shurui == menjo_shurui and t.covers(nendo)]
    if len(found) != 1:
        raise UserError(
            f"{seed_path()}: expected exactly one income threshold for menjo_shurui "
            f"{menjo_shurui} in nendo {nendo}, found {len(found)}. Add or fix the seed row."
        )
    return found[0]


def _get(income: Mapping[str, int | None], key: str) -> int:
    value = income.get(key)
    return int(value) if value is not None else 0


def dependants(income: Mapping[str, int | None]) -> int:
    """扶養親族等の数: dependants of every kind plus the 控除対象配偶者."""
    return sum(
        _get(income, k)
        for k in ("ippan_fuyo", "rojin_fuyo", "tokutei_fuyo", "nensho_fuyo", "kojo_haigusha")
    )


def limit_yen(income: Mapping[str, int | None], rule: Threshold) -> int:
    """The income limit (所得基準額) of one class for this person."""
    if rule.formula == "count_plus_one":
        limit = (dependants(income) + 1) * rule.per_head_yen + rule.base_yen
        special = rule.special_limit_yen
        if special is not None and (
            _get(income, "honnin_shogai") > 0 or _get(income, "honnin_kafu") > 0
        ):
            limit = max(limit, special)
        return limit
    return (
        rule.base_yen
        + (_get(income, "ippan_fuyo") + _get(income, "nensho_fuyo") + _get(income, "kojo_haigusha"))
        * rule.fuyo_ippan_yen
        + _get(income, "rojin_fuyo") * rule.fuyo_rojin_yen
        + _get(income, "tokutei_fuyo") * rule.fuyo_tokutei_yen
    )


def deductions_yen(income: Mapping[str, int | None], rule: Threshold) -> int:
    """社会保険料控除額等 subtracted from the income (only for classes with deduct_kojo)."""
    if not rule.deduct_kojo:
        return 0
    shogai = _get(income, "honnin_shogai")
    kafu = _get(income, "honnin_kafu")
    return (
        _get(income, "shakai_hoken_kojo")
        + _get(income, "zasson_kojo")
        + _get(income, "iryohi_kojo")
        + _get(income, "haigusha_tokubetsu_kojo")
        + (rule.shogai_yen if shogai == 1 else 0)
        + (rule.tokubetsu_shogai_yen if shogai == 2 else 0)
        + _get(income, "shogaisha_fuyo") * rule.shogai_yen
        + _get(income, "tokubetsu_shogaisha_fuyo") * rule.tokubetsu_shogai_yen
        + (rule.kafu_yen if kafu == 1 else 0)
        + (rule.hitorioya_yen if kafu == 2 else 0)
        + (rule.kinro_gakusei_yen if _get(income, "honnin_kinro_gakusei") == 1 else 0)
    )


def income_allows(income: Mapping[str, int | None], menjo_shurui: str, nendo: int) -> bool:
    """True when the income is within the limit of this class in this exemption year."""
    rule = threshold(menjo_shurui, nendo)
    tested = _get(income, "gokei_shotoku") - deductions_yen(income, rule)
    return tested <= limit_yen(income, rule)


def allowed_shurui(income: Mapping[str, int | None], nendo: int) -> str | None:
    """The most generous of 02 全額 / 03 4分の3 / 04 半額 / 05 4分の1 the income allows."""
    for shurui in GRADED_SHURUI:
        if income_allows(income, shurui, nendo):
            return shurui
    return None


def student_allowed(income: Mapping[str, int | None], nendo: int) -> bool:
    """06 学生納付特例: the income condition only (enrolment is not checked here)."""
    return income_allows(income, STUDENT_SHURUI, nendo)


def yuyo_allowed(income: Mapping[str, int | None], nendo: int) -> bool:
    """07 納付猶予: the income condition only (age under 50 is not checked here)."""
    return income_allows(income, YUYO_SHURUI, nendo)


def exemption_nendo(d: date) -> int:
    """The July–June exemption year a date falls in (4-digit year of its July)."""
    return d.year if d.month >= 7 else d.year - 1


def income_nendo(nendo: int) -> int:
    """The shotoku (住民税) nendo whose income decides exemption year ``nendo``.

    Exemption year N (July N – June N+1) is decided on the income of calendar year N−1 (前年所得),
    which the tax system carries as 住民税 of 課税年度 N: shotoku.nendo = N.
    """
    return nendo
