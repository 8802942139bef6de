{#- Disclosure control of the person dimension: the (ward, age band, sex, resident status) each
    person is published with, generalised until every published combination holds at least k
    persons (var k_anonymity_k, default 10). Every level keeps the resident status. Levels, finest
    first:
      1 ward, 5-year band, sex   2 ward, 10-year band, sex   3 ward, 20-year band, sex
      4 ward, sex                5 5-year band, sex          6 10-year band, sex
      7 20-year band, sex        8 sex                       9 resident status only
      10 nothing (all suppressed)
    Persons under 支援措置 (is_protected) and persons without a ward start at level 5: the ward of a
    protected person is never published. Persons without a current 宛名 record have no ward, age
    or sex: they publish their status (unknown) when they are at least k. A group is placed only
    when it is l-diverse in is_protected (protected and other persons, or no protected person), so
    no published combination says that its persons are under 支援措置. See macros/governance/disclosure_cascade.sql. -#}
{%- set k = var('k_anonymity_k') -%}
{%- set ward_ok = "ward_code is not null and not is_protected" -%}
{%- set levels = [
    {'eligible': ward_ok, 'columns': {'ward_code': 'ward_code', 'age_band': age_band('age_years', 5), 'sex': 'sex', 'resident_status': 'resident_status'}},
    {'eligible': ward_ok, 'columns': {'ward_code': 'ward_code', 'age_band': age_band('age_years', 10), 'sex': 'sex', 'resident_status': 'resident_status'}},
    {'eligible': ward_ok, 'columns': {'ward_code': 'ward_code', 'age_band': age_band('age_years', 20), 'sex': 'sex', 'resident_status': 'resident_status'}},
    {'eligible': ward_ok, 'columns': {'ward_code': 'ward_code', 'age_band': 'cast(null as varchar)', 'sex': 'sex', 'resident_status': 'resident_status'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': age_band('age_years', 5), 'sex': 'sex', 'resident_status': 'resident_status'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': age_band('age_years', 10), 'sex': 'sex', 'resident_status': 'resident_status'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': age_band('age_years', 20), 'sex': 'sex', 'resident_status': 'resident_status'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': 'cast(null as varchar)', 'sex': 'sex', 'resident_status': 'resident_status'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': 'cast(null as varchar)', 'sex': 'cast(null as varchar)', 'resident_status': 'resident_status'}},
] -%}
with persons as (
    select
        person_pid,
        ward_code,
        sex,
        age_years,
        resident_status,
        is_protected
    from {{ ref('int_persons__attributes') }}
),

{{ disclosure_cascade('persons', 'person_pid', levels, k, 'disclosed', sensitive=['is_protected']) }},

final as (
    select
        person_pid,
        cast(ward_code as varchar) as ward_code,
        cast(age_band as varchar) as age_band,
        cast(sex as varchar) as sex,
        cast(resident_status as varchar) as resident_status,
        cast(disclosure_level as integer) as disclosure_level
    from disclosed
)

select * from final
