{#- Disclosure control of the person dimension: the (ward, age band, sex) each person is published
    with, generalised until every published combination holds at least k persons
    (var k_anonymity_k, default 10). Levels, finest first:
      1 ward, 5-year band, sex   2 ward, 10-year band, sex   3 ward, 20-year band, sex
      4 ward, sex                5 5-year band, sex          6 10-year band, sex
      7 20-year band, sex        8 sex                       9 nothing (all suppressed)
    Persons under 支援措置 (is_protected) and persons without a ward start at level 5: the ward of a
    protected person is never published. See macros/governance/disclosure_cascade.sql. -#}
{%- set k = var('k_anonymity_k', 10) -%}
{%- set ward_ok = "ward_code is not null and not is_protected" -%}
{%- set levels = [
    {'eligible': ward_ok, 'columns': {'ward_code': 'ward_code', 'age_band': age_band('age_years', 5), 'sex': 'sex'}},
    {'eligible': ward_ok, 'columns': {'ward_code': 'ward_code', 'age_band': age_band('age_years', 10), 'sex': 'sex'}},
    {'eligible': ward_ok, 'columns': {'ward_code': 'ward_code', 'age_band': age_band('age_years', 20), 'sex': 'sex'}},
    {'eligible': ward_ok, 'columns': {'ward_code': 'ward_code', 'age_band': 'cast(null as varchar)', 'sex': 'sex'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': age_band('age_years', 5), 'sex': 'sex'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': age_band('age_years', 10), 'sex': 'sex'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': age_band('age_years', 20), 'sex': 'sex'}},
    {'eligible': 'true', 'columns': {'ward_code': 'cast(null as varchar)', 'age_band': 'cast(null as varchar)', 'sex': 'sex'}},
] -%}
with persons as (
    select
        person_pid,
        ward_code,
        sex,
        age_years,
        is_protected
    from {{ ref('int_persons__attributes') }}
    where in_atena
),

{{ disclosure_cascade('persons', 'person_pid', levels, k, 'disclosed') }},

not_in_atena as (
    -- persons known only by a number (no current 宛名 record): nothing to publish
    select
        person_pid,
        cast(null as varchar) as ward_code,
        cast(null as varchar) as age_band,
        cast(null as varchar) as sex,
        {{ levels | length + 1 }} as disclosure_level
    from {{ ref('int_persons__attributes') }}
    where not in_atena
),

final as (
    select
        person_pid,
        cast(ward_code as varchar) as ward_code,
        cast(age_band as varchar) as age_band,
        cast(sex as varchar) as sex,
        cast(disclosure_level as integer) as disclosure_level
    from disclosed
    union all
    select * from not_in_atena
)

select * from final
