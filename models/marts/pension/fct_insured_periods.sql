{#- 国民年金 insured periods (資格), one row per period (基礎年金番号 × seq) in its current state.
    The person is the insured area's pseudonym (pseudonym domain 'insured'): the area cannot be
    joined to any other published area. Dates are published as 年度 (April–March): the month of
    an acquisition or loss at 20歳到達 / 60歳到達 is the month of a birthday, and a count of months
    from a known date would give the month back, so the count is in full years. Each person's
    periods are published at the finest level that keeps their class at least k persons and
    ℓ-diverse (macro person_disclosure_cascade): 1 年度, 事由 and years; 2 five-年度 bands and 事由;
    3 事由 only; 4 nothing; 5 the rows belong to no published person. -#}
{%- set k = var('k_anonymity_k') -%}
{%- set band -%}
cast(cast(floor({y} / 5.0) * 5 as integer) as varchar) || '-'
|| cast(cast(floor({y} / 5.0) * 5 + 4 as integer) as varchar)
{%- endset -%}
{%- set shutoku_band = band.format(y=fiscal_year('shutoku_date')) -%}
{%- set soshitsu_band = band.format(y=fiscal_year('soshitsu_date')) -%}
{%- set levels = [
    {'columns': {
        'shutoku_nendo': fiscal_year('shutoku_date'),
        'shutoku_nendo_band': shutoku_band,
        'shutoku_jiyu': 'shutoku_jiyu',
        'soshitsu_nendo': fiscal_year('soshitsu_date'),
        'soshitsu_nendo_band': soshitsu_band,
        'soshitsu_jiyu': 'soshitsu_jiyu',
        'insured_years': 'floor(insured_months / 12)'}},
    {'columns': {
        'shutoku_nendo': 'cast(null as bigint)',
        'shutoku_nendo_band': shutoku_band,
        'shutoku_jiyu': 'shutoku_jiyu',
        'soshitsu_nendo': 'cast(null as bigint)',
        'soshitsu_nendo_band': soshitsu_band,
        'soshitsu_jiyu': 'soshitsu_jiyu',
        'insured_years': 'cast(null as bigint)'}},
    {'columns': {
        'shutoku_nendo': 'cast(null as bigint)',
        'shutoku_nendo_band': 'cast(null as varchar)',
        'shutoku_jiyu': 'shutoku_jiyu',
        'soshitsu_nendo': 'cast(null as bigint)',
        'soshitsu_nendo_band': 'cast(null as varchar)',
        'soshitsu_jiyu': 'soshitsu_jiyu',
        'insured_years': 'cast(null as bigint)'}},
    {'columns': {
        'shutoku_nendo': 'cast(null as bigint)',
        'shutoku_nendo_band': 'cast(null as varchar)',
        'shutoku_jiyu': 'cast(null as varchar)',
        'soshitsu_nendo': 'cast(null as bigint)',
        'soshitsu_nendo_band': 'cast(null as varchar)',
        'soshitsu_jiyu': 'cast(null as varchar)',
        'insured_years': 'cast(null as bigint)'}},
] -%}
with periods as (
    select * from {{ ref('stg_nenkin__shikaku') }}
),

keys as (
    select
        kiso_nenkin_no,
        person_pid
    from {{ ref('int_identity__kiso_keys') }}
),

domain_pids as (
    select
        person_pid,
        domain_pid
    from {{ ref('int_identity__domain_pseudonyms') }}
    where domain = 'insured'
),

reference as (
    select reference_date from {{ ref('int_persons__reference_date') }}
),

shubetsu as (
    select * from {{ ref('code_hihokensha_shubetsu') }}
),

counted as (
    select
        domain_pids.domain_pid,
        periods.seq,
        periods.shubetsu,
        shubetsu.shubetsu_name,
        periods.shutoku_date,
        periods.shutoku_jiyu,
        periods.soshitsu_date,
        periods.soshitsu_jiyu,
        -- months counted: from the month of acquisition to the month before the month of loss;
        -- an open period up to and including the reference month
        case
            when periods.shutoku_date is null then null
            when periods.soshitsu_date is not null
                then greatest(
                        (
                            extract(year from periods.soshitsu_date) * 12
                            + extract(month from periods.soshitsu_date)
                        )
                        - (
                            extract(year from periods.shutoku_date) * 12
                            + extract(month from periods.shutoku_date)
                        ),
                        0
                    )
            else greatest(
                    (
                        extract(year from reference.reference_date) * 12
                        + extract(month from reference.reference_date)
                    )
                    - (
                        extract(year from periods.shutoku_date) * 12
                        + extract(month from periods.shutoku_date)
                    ) + 1,
                    0
                )
        end as insured_months
    from periods
    inner join keys
        on periods.kiso_nenkin_no = keys.kiso_nenkin_no
    inner join domain_pids
        on keys.person_pid = domain_pids.person_pid
    cross join reference
    left join shubetsu
        on cast(periods.shubetsu as varchar) = cast(shubetsu.shubetsu as varchar)
),

{{ person_disclosure_cascade('counted', 'domain_pid', levels, k, [], 'disclosed') }},

final as (
    select
        cast(published_domain_pid as varchar) as person_pid,
        cast(seq as bigint) as seq,
        cast(shubetsu as varchar) as shubetsu,
        cast(shubetsu_name as varchar) as shubetsu_name,
        cast(published_shutoku_nendo as bigint) as shutoku_nendo,
        cast(published_shutoku_nendo_band as varchar) as shutoku_nendo_band,
        cast(published_shutoku_jiyu as varchar) as shutoku_jiyu,
        cast(published_soshitsu_nendo as bigint) as soshitsu_nendo,
        cast(published_soshitsu_nendo_band as varchar) as soshitsu_nendo_band,
        cast(published_soshitsu_jiyu as varchar) as soshitsu_jiyu,
        cast(soshitsu_date is null as boolean) as is_open,
        cast(published_insured_years as bigint) as insured_years,
        cast(disclosure_level as bigint) as disclosure_level
    from disclosed
)

select * from final
