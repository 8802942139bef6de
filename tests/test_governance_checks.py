"""The governance checks can fail: a throwaway dbt project with the project's governance macros and
singular tests, holding compliant models and models that break each rule, must report exactly the
planted problems; the k-anonymity test and the disclosure cascade are checked on made-up data; the
linkage attack (macros/governance/linkage.sql) finds the small classes and the classes without
diversity that only a join reveals, through a shared pseudonym and one link further, and the
declaration problems of its meta."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]

PROJECT = """
name: governance_probe
version: "1.0.0"
config-version: 2
profile: governance_probe
model-paths: ["models"]
macro-paths: ["macros"]
test-paths: ["tests"]
flags:
  require_generic_test_arguments_property: true
vars:
  k_anonymity_k: 3
models:
  governance_probe:
    +group: g
    +materialized: table
    staging:
      +access: private
    intermediate:
      +access: private
      hooked:
        +post-hook: "{{ governance_assert_no_confined_columns() }}"
    marts:
      +access: public
      +contract:
        enforced: true
"""

MODELS: dict[str, str] = {
    "models/_groups.yml": """
        groups:
          - name: g
            owner: {name: probe}
    """,
    # staging: the number exists in base_, is dropped in stg_ (only a flag remains)
    "models/staging/base_people.sql": """
        select '0000000001' as atena_no, '123456789018' as kojin_no, '11101' as ward_code
    """,
    "models/staging/stg_people.sql": """
        select atena_no, ward_code, kojin_no is not null as kojin_no_present
        from {{ ref('base_people') }}
    """,
    "models/staging/stg_leaky.sql": """
        select atena_no, kojin_no from {{ ref('base_people') }}
    """,
    # the identifiers, declared where the project declares them: column meta of the sources
    "models/staging/_sources.yml": """
        sources:
          - name: raw
            tables:
              - name: people
                columns:
                  - name: atena_no
                    config: {meta: {confined_to: warehouse}}
                  - name: kojin_no
                    config: {meta: {confined_to: staging}}
    """,
    "models/staging/_staging.yml": """
        models:
          - name: stg_people
            columns:
              - name: atena_no
              - name: kojin_no_present
          - name: stg_leaky
            columns:
              - name: atena_no
              - name: kojin_no
    """,
    # intermediate: one clean, one hashing the number (lineage from kojin_no)
    "models/intermediate/int_clean.sql": """
        select md5(atena_no) as pid, ward_code, kojin_no_present from {{ ref('stg_people') }}
    """,
    "models/intermediate/int_hashes_number.sql": """
        select md5(kojin_no) as number_hash from {{ ref('base_people') }}
    """,
    # the post-hook on the relation as built: a column carrying the number that no YAML declares
    "models/intermediate/hooked/int_carries_number.sql": """
        select atena_no, kojin_no as kojin_no_copy, kojin_no is null as kojin_no_present
        from {{ ref('base_people') }}
    """,
    "models/intermediate/hooked/int_flags_only.sql": """
        select atena_no, kojin_no is not null as kojin_no_present from {{ ref('base_people') }}
    """,
    # marts
    "models/marts/dim_good.sql": """
        select cast(pid as varchar) as pid, cast(ward_code as varchar) as ward_code,
               cast(kojin_no_present as boolean) as kojin_no_present
        from {{ ref('int_clean') }}
    """,
    "models/marts/dim_unclassified.sql": """
        select cast(pid as varchar) as pid, cast(ward_code as varchar) as ward_code
        from {{ ref('int_clean') }}
    """,
    "models/marts/dim_direct.sql": """
        select cast(atena_no as varchar) as atena_no from {{ ref('stg_people') }}
    """,
    "models/marts/dim_bad_type.sql": """
        select cast(1 as integer) as n from {{ ref('int_clean') }}
    """,
    "models/marts/dim_hash_lineage.sql": """
        select cast(number_hash as varchar) as number_hash from {{ ref('int_hashes_number') }}
    """,
    "models/marts/dim_reads_leaky.sql": """
        select cast(atena_no as varchar) as x from {{ ref('stg_leaky') }}
    """,
    "models/marts/dim_named_kojin.sql": """
        select cast(pid as varchar) as kojin_no_digest from {{ ref('int_clean') }}
    """,
    # k-anonymity: groups of 4 and 2 (k = 3), and fully suppressed rows (ignored)
    "models/marts/dim_small_group.sql": """
        select * from (values
            ('a', '11101', '20-24'), ('b', '11101', '20-24'), ('c', '11101', '20-24'),
            ('d', '11101', '20-24'), ('e', '11102', '20-24'), ('f', '11102', '20-24'),
            ('g', null, null), ('h', null, null)
        ) as t (pid, ward_code, age_band)
    """,
    "models/marts/dim_cascaded.sql": """
        {%- set levels = [
            {'eligible': 'true', 'columns': {'ward_code': 'ward_code', 'age_band': age_band('age', 5)}},
            {'eligible': 'true', 'columns': {'ward_code': 'ward_code', 'age_band': age_band('age', 20)}},
            {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': age_band('age', 20)}},
        ] -%}
        with people as (
            select
                'p' || cast(i as varchar) as pid,
                '1110' || cast(i % 3 as varchar) as ward_code,
                cast((i * 37) % 97 as integer) as age
            from range(200) as r (i)
        ),
        {{ disclosure_cascade('people', 'pid', levels, var('k_anonymity_k'), 'disclosed') }}
        select
            cast(pid as varchar) as pid,
            cast(ward_code as varchar) as ward_code,
            cast(age_band as varchar) as age_band,
            cast(disclosure_level as bigint) as disclosure_level
        from disclosed
    """,
    # linkage (k = 3). Domain probe_person: each model alone is k-anonymous (6/6 and 6/6), the
    # join on person_pid is not: (A, 01) 4, (A, 02) 2, (B, 01) 2, (B, 02) 4; the class (A, 01) all
    # earn 'high' (l = 1), the class (B, 02) has no income at all (passes).
    "models/marts/lk_people.sql": """
        select * from (values
            ('p1', 'A', 'high'), ('p2', 'A', 'high'), ('p3', 'A', 'high'), ('p4', 'A', 'high'),
            ('p5', 'A', 'low'), ('p6', 'A', 'high'), ('p7', 'B', 'low'), ('p8', 'B', 'high'),
            ('p9', 'B', null), ('p10', 'B', null), ('p11', 'B', null), ('p12', 'B', null)
        ) as t (person_pid, ward, income)
        union all
        select person_pid, 'B', null from {{ ref('lk_late') }} where false
    """,
    "models/marts/lk_visits.sql": """
        select * from (values
            ('p1', '01'), ('p2', '01'), ('p3', '01'), ('p4', '01'), ('p7', '01'), ('p8', '01'),
            ('p5', '02'), ('p6', '02'), ('p9', '02'), ('p10', '02'), ('p11', '02'), ('p12', '02')
        ) as t (person_pid, visit_month)
    """,
    # a quasi column nobody told the check about: every pet is alone in its class
    "models/marts/lk_pets.sql": """
        select 'pet' || cast(i as varchar) as pet_pid, 'cat' as species,
               cast('2026-01-01' as date) + cast(i as integer) as adopted_on
        from range(6) as r (i)
    """,
    # one join further through a link column: the member's claim leads to the case's date
    "models/marts/lk_claims.sql": """
        select 'm' || cast(i as varchar) as member_pid, 'c' || cast(i as varchar) as case_no
        from range(1, 7) as r (i)
    """,
    "models/marts/lk_cases.sql": """
        select * from (values
            ('c1', '2026-01-05'), ('c2', '2026-01-05'), ('c3', '2026-01-05'),
            ('c4', '2026-01-06'), ('c5', '2026-01-07'), ('c6', '2026-01-07')
        ) as t (case_no, received_on)
    """,
    # compliant: five households of size 2
    "models/marts/lk_households.sql": """
        select 'h' || cast(i as varchar) as household_pid, '2' as size_band from range(5) as r (i)
    """,
    # declared wrongly: a pseudonym without its domain; an exclusion without a reason; an
    # excluded model that shares the person domain; a keyed model missing from depends_on
    "models/marts/lk_undeclared.sql": """
        select 'o1' as owner_pid, 'x' as thing
    """,
    "models/marts/lk_excluded.sql": """
        select 'x1' as x_pid
    """,
    "models/marts/lk_excluded_shared.sql": """
        select 'p1' as visitor_pid
    """,
    "models/marts/lk_late.sql": """
        select 'l' || cast(i as varchar) as person_pid, 'z' as zone from range(5) as r (i)
    """,
}


def _col(
    name: str,
    dtype: str,
    pii: str | None = "quasi",
    desc: str = "described",
    **meta: str,
) -> dict:
    col: dict = {"name": name, "data_type": dtype, "description": desc}
    if pii is not None:
        col["config"] = {"meta": {"pii": pii, **meta}}
    return col


MARTS_YML = {
    "dim_good": [
        _col("pid", "varchar"),
        _col("ward_code", "varchar"),
        _col("kojin_no_present", "boolean", "none"),
    ],
    "dim_unclassified": [_col("pid", "varchar"), _col("ward_code", "varchar", None)],
    "dim_direct": [_col("atena_no", "varchar", "direct")],
    "dim_bad_type": [_col("n", "integer", "none")],
    "dim_hash_lineage": [_col("number_hash", "varchar")],
    "dim_reads_leaky": [_col("x", "varchar")],
    "dim_named_kojin": [_col("kojin_no_digest", "varchar")],
    "dim_small_group": [
        _col("pid", "varchar"),
        _col("ward_code", "varchar"),
        _col("age_band", "varchar"),
    ],
    "dim_cascaded": [
        _col("pid", "varchar"),
        _col("ward_code", "varchar"),
        _col("age_band", "varchar"),
        _col("disclosure_level", "bigint", "none"),
    ],
    "lk_people": [
        _col("person_pid", "varchar", "quasi", pseudonym="probe_person"),
        _col("ward", "varchar"),
        _col("income", "varchar", "sensitive"),
    ],
    "lk_visits": [
        _col("person_pid", "varchar", "quasi", pseudonym="probe_person"),
        _col("visit_month", "varchar"),
    ],
    "lk_pets": [
        _col("pet_pid", "varchar", "quasi", pseudonym="probe_pet"),
        _col("species", "varchar"),
        _col("adopted_on", "date"),
    ],
    "lk_claims": [
        _col("member_pid", "varchar", "quasi", pseudonym="probe_member"),
        _col("case_no", "varchar", "quasi", link="probe_case"),
    ],
    "lk_cases": [
        _col("case_no", "varchar", "quasi", link="probe_case"),
        _col("received_on", "varchar"),
    ],
    "lk_households": [
        _col("household_pid", "varchar", "quasi", pseudonym="probe_household"),
        _col("size_band", "varchar"),
    ],
    "lk_undeclared": [_col("owner_pid", "varchar"), _col("thing", "varchar", "none")],
    "lk_excluded": [_col("x_pid", "varchar", "quasi", pseudonym="probe_x")],
    "lk_excluded_shared": [_col("visitor_pid", "varchar", "quasi", pseudonym="probe_person")],
    "lk_late": [
        _col("person_pid", "varchar", "quasi", pseudonym="probe_late"),
        _col("zone", "varchar"),
    ],
}

#: model-level meta of the probe models
MODEL_META = {
    "lk_excluded": {"linkage": "excluded"},
    "lk_excluded_shared": {"linkage": "excluded", "linkage_reason": "reviewers' tier"},
}

#: the probe's linkage test: the project's macro, its own depends_on (lk_late left out on purpose)
LINKAGE_TEST = """
{%- for m in ['lk_people', 'lk_visits', 'lk_pets', 'lk_claims', 'lk_cases', 'lk_households'] %}
-- depends_on: {{ ref(m) }}
{%- endfor %}
{{ governance_linkage_attack_sql() }}
"""

K_TESTED = {"dim_small_group": ["ward_code", "age_band"], "dim_cascaded": ["ward_code", "age_band"]}


def _write_project(root: Path) -> None:
    import yaml

    (root / "dbt_project.yml").write_text(PROJECT, encoding="utf-8")
    (root / "profiles.yml").write_text(
        "governance_probe:\n  target: d\n  outputs:\n    d:\n      type: duckdb\n"
        f"      path: {root / 'probe.duckdb'}\n      threads: 1\n",
        encoding="utf-8",
    )
    for rel, text in MODELS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    models = []
    for name, cols in MARTS_YML.items():
        model: dict = {"name": name, "description": f"probe model {name}", "columns": cols}
        if name in MODEL_META:
            model["config"] = {"meta": MODEL_META[name]}
        if name in K_TESTED:
            model["data_tests"] = [
                {"k_anonymity": {"arguments": {"quasi_identifiers": K_TESTED[name]}}}
            ]
        models.append(model)
    (root / "models/marts/_marts.yml").write_text(
        yaml.safe_dump({"models": models}, allow_unicode=True), encoding="utf-8"
    )
    shutil.copytree(REPO / "macros" / "governance", root / "macros" / "governance")
    tests = root / "tests"
    tests.mkdir()
    for name in ("assert_public_columns_classified.sql", "assert_no_kojin_no_lineage.sql"):
        shutil.copy(REPO / "tests" / "dbt" / "governance" / name, tests / name)
    (tests / "assert_no_linkage_disclosure.sql").write_text(LINKAGE_TEST, encoding="utf-8")


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the probe project once; returns test statuses and the governance problem rows."""
    from dbt.cli.main import dbtRunner

    root = tmp_path_factory.mktemp("governance_probe")
    _write_project(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(root),
                "--profiles-dir",
                str(root),
                "--target-path",
                str(root / "target"),
                "--log-path",
                str(root / "logs"),
            ]
        )
    finally:
        os.chdir(cwd)
    assert result.exception is None, result.exception
    statuses = {r.node.name: (str(r.status), r.failures) for r in result.result.results}
    messages = {r.node.name: str(r.message) for r in result.result.results}
    # dbt-duckdb keeps its in-process connection: open the file with the same configuration
    con = duckdb.connect(str(root / "probe.duckdb"))
    problems = {}
    for name in ("assert_public_columns_classified", "assert_no_kojin_no_lineage"):
        sql = (root / "target/compiled/governance_probe/tests" / f"{name}.sql").read_text()
        problems[name] = con.sql(sql).fetchall()
    linkage_sql = (
        root / "target/compiled/governance_probe/tests/assert_no_linkage_disclosure.sql"
    ).read_text()
    problems["assert_no_linkage_disclosure"] = con.sql(linkage_sql).fetchall()
    cascaded = con.sql(
        "select pid, ward_code, age_band, disclosure_level from main.dim_cascaded"
    ).fetchall()
    con.close()
    return {
        "statuses": statuses,
        "messages": messages,
        "problems": problems,
        "cascaded": cascaded,
    }


def _by_model(rows: list[tuple]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for model, column, problem in rows:
        out.setdefault(model, []).append(f"{column}: {problem}")
    return out


def test_classification_check_reports_exactly_the_planted_problems(probe: dict) -> None:
    assert probe["statuses"]["assert_public_columns_classified"][0] == "fail"
    found = _by_model(probe["problems"]["assert_public_columns_classified"])
    assert set(found) == {"dim_unclassified", "dim_direct", "dim_bad_type", "dim_named_kojin"}
    assert found["dim_unclassified"] == ["ward_code: no pii class in config.meta"]
    assert found["dim_direct"] == ["atena_no: pii class direct in a public model"]
    assert any("data_type integer" in p for p in found["dim_bad_type"])
    assert any("kojin_no-derived column" in p for p in found["dim_named_kojin"])


def test_lineage_check_finds_every_path_from_kojin_no(probe: dict) -> None:
    assert probe["statuses"]["assert_no_kojin_no_lineage"][0] == "fail"
    found = _by_model(probe["problems"]["assert_no_kojin_no_lineage"])
    assert set(found) == {"dim_hash_lineage", "dim_reads_leaky", "dim_named_kojin"}, found
    assert any(
        "int_hashes_number (outside staging) uses kojin_no" in p for p in found["dim_hash_lineage"]
    )
    assert any("reads base_people" in p for p in found["dim_hash_lineage"])
    assert any("stg_leaky, which has a kojin_no column" in p for p in found["dim_reads_leaky"])
    assert found["dim_named_kojin"] == [
        "kojin_no_digest: ancestor dim_named_kojin has a kojin_no column"
    ]


def test_a_built_relation_carrying_a_confined_identifier_fails_its_model(probe: dict) -> None:
    """The post-hook reads the relation as built, so a new column carrying 個人番号 under another
    name fails the model even though no YAML declares it; a boolean flag about it does not."""
    assert probe["statuses"]["int_carries_number"][0] == "error"
    assert "kojin_no_copy (kojin_no)" in probe["messages"]["int_carries_number"]
    assert "confined to staging" in probe["messages"]["int_carries_number"]
    assert probe["statuses"]["int_flags_only"][0] == "success"


def test_k_anonymity_test_fails_on_a_small_group_and_ignores_suppressed_rows(probe: dict) -> None:
    statuses = {k: v for k, v in probe["statuses"].items() if k.startswith("k_anonymity")}
    small = [v for k, v in statuses.items() if "dim_small_group" in k]
    cascaded = [v for k, v in statuses.items() if "dim_cascaded" in k]
    assert small == [("fail", 1)], statuses  # only ('11102', '20-24') with 2 rows
    assert cascaded == [("pass", 0)], statuses


def test_disclosure_cascade_keeps_big_cells_fine_and_every_group_at_least_k(probe: dict) -> None:
    rows = probe["cascaded"]
    assert len(rows) == 200 and len({r[0] for r in rows}) == 200
    groups: dict[tuple, int] = {}
    for _, ward, band, _level in rows:
        if ward is None and band is None:
            continue
        groups[(ward, band)] = groups.get((ward, band), 0) + 1
    assert min(groups.values()) >= 3
    levels = [r[3] for r in rows]
    # 200 people over 3 wards x 19 five-year bands: most cells hold >= 3 and stay at level 1
    assert levels.count(1) > 150
    assert set(levels) <= {1, 2, 3, 4}


def _linkage(probe: dict) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for domain, _class_id, size, attribute, problem in probe["problems"][
        "assert_no_linkage_disclosure"
    ]:
        out.setdefault(domain, []).append((size, attribute, problem))
    return out


def test_linkage_attack_fails_the_build_on_the_planted_violations(probe: dict) -> None:
    assert probe["statuses"]["assert_no_linkage_disclosure"][0] == "fail"
    found = _linkage(probe)
    # the compliant household domain and the excluded domain are not reported
    assert set(found) == {
        "declaration",
        "pseudonym:probe_person",
        "pseudonym:probe_pet",
        "pseudonym:probe_member",
    }, found


def test_linkage_attack_finds_small_classes_only_the_join_reveals(probe: dict) -> None:
    person = _linkage(probe)["pseudonym:probe_person"]
    # alone, lk_people and lk_visits hold classes of 6; joined, (A, 02) and (B, 01) hold 2
    assert sorted(size for size, attribute, _ in person if attribute is None) == [2, 2]


def test_linkage_attack_finds_a_class_without_diversity(probe: dict) -> None:
    person = _linkage(probe)["pseudonym:probe_person"]
    l_problems = [(size, attribute) for size, attribute, _ in person if attribute]
    # (A, 01): four persons, all 'high'; (B, 02) has no income at all and passes;
    # the small classes (A, 02) and (B, 01) are diverse
    assert l_problems == [(4, "lk_people.income")]


def test_linkage_attack_covers_a_new_quasi_column_and_one_link_further(probe: dict) -> None:
    found = _linkage(probe)
    # adopted_on was never named to the check: every pet is alone in its class
    assert sorted(size for size, _, _ in found["pseudonym:probe_pet"]) == [1] * 6
    # the members' own model has no quasi column; their cases' dates single two of them out
    assert sorted(size for size, _, _ in found["pseudonym:probe_member"]) == [1, 2]


def test_linkage_declarations_are_checked(probe: dict) -> None:
    declared = sorted((attr, problem) for _, attr, problem in _linkage(probe)["declaration"])
    text = "\n".join(f"{a}: {p}" for a, p in declared)
    assert "lk_undeclared.owner_pid: pseudonym column without config.meta.pseudonym" in text
    assert "lk_excluded.: linkage: excluded without a linkage_reason" in text
    assert "lk_excluded_shared.visitor_pid: domain pseudonym:probe_person is shared" in text
    assert "lk_people.person_pid: domain pseudonym:probe_person is shared" in text
    assert "lk_late.: not in the depends_on of the linkage test" in text
