{#- Income (所得情報 from the tax system) as bands, one row per person × 年度: the 合計所得金額 band
    and the number of dependants (扶養親族等) capped at 3+. Exact amounts never leave the
    restricted layer. The person is the income area's pseudonym (domain 'income'), not joinable to
    any other area; a person whose class (persons with as many 年度 rows) is smaller than k or not
    ℓ-diverse in the bands is withheld (the rows belong to no published person). Bands (yen, upper bound inclusive): ≤0, 1–500,000, –1,000,000,
    –1,500,000, –2,000,000, –3,000,000, –5,000,000, –10,000,000, above. -#}
{%- set bounds = [0, 500000, 1000000, 1500000, 2000000, 3000000, 5000000, 10000000] -%}
{%- set labels = ['0', '1-500k', '500k-1M', '1M-1.5M', '1.5M-2M', '2M-3M', '3M-5M', '5M-10M', '10M+'] -%}
{%- set k = var('k_anonymity_k') -%}
{%- set sensitive = [
    'income_band', 'income_band_lower', 'income_band_upper', 'dependants_band',
    'has_public_pension_income',
] -%}
with shotoku as (
    select * from {{ ref('stg_zei__shotoku') }}
),

persons as (
    select
        atena_no,
        domain_pid as person_pid
    from {{ ref('int_identity__domain_pseudonyms') }}
    where domain = 'income' and atena_no is not null
),

banded as (
    select
        persons.person_pid,
        shotoku.nendo,
        case
            when shotoku.gokei_shotoku is null then null
            {%- for b in bounds %}
                when shotoku.gokei_shotoku <= {{ b }} then {{ loop.index0 }}
            {%- endfor %}
            else {{ bounds | length }}
        end as band_index,
        coalesce(shotoku.ippan_fuyo, 0) + coalesce(shotoku.rojin_fuyo, 0)
        + coalesce(shotoku.tokutei_fuyo, 0) + coalesce(shotoku.nensho_fuyo, 0)
        + coalesce(shotoku.kojo_haigusha, 0) as dependants,
        coalesce(shotoku.koteki_nenkin_shunyu, 0) > 0 as has_public_pension_income
    from shotoku
    inner join persons
        on shotoku.atena_no = persons.atena_no
),

labelled as (
    select
        person_pid,
        cast(nendo as bigint) as nendo,
        cast(
            case band_index
                {%- for label in labels %}
                    when {{ loop.index0 }} then '{{ label }}'
                {%- endfor %}
            end as varchar
        ) as income_band,
        cast(
            case band_index
                when 0 then null
                {%- for b in bounds %}
                    when {{ loop.index }} then {{ b + 1 }}
                {%- endfor %}
            end as bigint
        ) as income_band_lower,
        cast(
            case band_index
                {%- for b in bounds %}
                    when {{ loop.index0 }} then {{ b }}
                {%- endfor %}
            end as bigint
        ) as income_band_upper,
        cast(case when dependants >= 3 then '3+' else cast(dependants as varchar) end as varchar)
            as dependants_band,
        cast(has_public_pension_income as boolean) as has_public_pension_income
    from banded
),

{{ person_disclosure_cascade('labelled', 'person_pid', [{'columns': {}}], k, sensitive, 'disclosed') }},

final as (
    select
        cast(published_person_pid as varchar) as person_pid,
        nendo,
        income_band,
        income_band_lower,
        income_band_upper,
        dependants_band,
        has_public_pension_income,
        cast(disclosure_level as bigint) as disclosure_level
    from disclosed
)

select * from final
