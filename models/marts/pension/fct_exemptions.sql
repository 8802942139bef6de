{#- 保険料免除・納付猶予・学生納付特例 decisions (免除情報), one row per 基礎年金番号 × 免除年度
    (July–June) × 免除種類 in its current state. The person is the exemption area's pseudonym
    (domain 'exemption'), not joinable to any other area. The school code of 学生納付特例 is not
    published (it narrows a student down to one school). Dates of the person are generalised: the
    application to its quarter, the early end and the 法定免除消滅 to their 年度, the decision as the
    lead time in days; the exemption period only as whether it is shorter than the 免除年度 (its
    first month can be the month of a 20th birthday or of a birth). Each person's rows are published
    at the finest level that keeps their class at least k persons and ℓ-diverse in 免除種類 and
    decision (macro person_disclosure_cascade): 1 quarter and 年度, 2 年度 only, 3 nothing, 4 the
    rows belong to no published person. -#}
{%- set k = var('k_anonymity_k') -%}
{%- set levels = [
    {'columns': {
        'shinsei_quarter': "cast(date_trunc('quarter', shinsei_date) as date)",
        'shinsei_nendo': fiscal_year('shinsei_date'),
        'is_partial_period': 'is_partial_period',
        'shuryo_nendo': fiscal_year('shuryo_date'),
        'homen_shometsu_nendo': fiscal_year('homen_shometsu_date')}},
    {'columns': {
        'shinsei_quarter': 'cast(null as date)',
        'shinsei_nendo': fiscal_year('shinsei_date'),
        'is_partial_period': 'is_partial_period',
        'shuryo_nendo': fiscal_year('shuryo_date'),
        'homen_shometsu_nendo': fiscal_year('homen_shometsu_date')}},
    {'columns': {
        'shinsei_quarter': 'cast(null as date)',
        'shinsei_nendo': 'cast(null as bigint)',
        'is_partial_period': 'cast(null as boolean)',
        'shuryo_nendo': 'cast(null as bigint)',
        'homen_shometsu_nendo': 'cast(null as bigint)'}},
] -%}
with menjo as (
    select * from {{ ref('stg_nenkin__menjo') }}
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
    where domain = 'exemption'
),

shurui as (
    select * from {{ ref('code_menjo_shurui') }}
),

kekka as (
    select * from {{ ref('code_menjo_kekka') }}
),

decisions as (
    select
        domain_pids.domain_pid,
        menjo.nendo,
        cast(menjo.menjo_shurui as varchar) as menjo_shurui,
        shurui.menjo_name,
        menjo.shinsei_date,
        -- the 免除年度 runs July–June: a shorter period starts or ends inside it; a period
        -- without an end (法定免除) is not shorter (a null would tell the kind)
        coalesce((
            (extract(year from menjo.kikan_to) * 12 + extract(month from menjo.kikan_to))
            - (extract(year from menjo.kikan_from) * 12 + extract(month from menjo.kikan_from)) + 1
        ) < 12, false) as is_partial_period,
        cast(menjo.kekka as varchar) as kekka,
        kekka.kekka_name,
        menjo.kekka_date - menjo.shinsei_date as days_to_decision,
        menjo.shuryo_date,
        menjo.homen_shometsu_date
    from menjo
    inner join keys
        on menjo.kiso_nenkin_no = keys.kiso_nenkin_no
    inner join domain_pids
        on keys.person_pid = domain_pids.person_pid
    left join shurui
        on cast(menjo.menjo_shurui as varchar) = cast(shurui.menjo_shurui as varchar)
    left join kekka
        on cast(menjo.kekka as varchar) = cast(kekka.kekka as varchar)
),

{{ person_disclosure_cascade('decisions', 'domain_pid', levels, k, ['menjo_shurui', 'kekka'], 'disclosed') }},

final as (
    select
        cast(published_domain_pid as varchar) as person_pid,
        cast(nendo as bigint) as exemption_year,
        cast(menjo_shurui as varchar) as menjo_shurui,
        cast(menjo_name as varchar) as menjo_name,
        cast(published_shinsei_quarter as date) as shinsei_quarter,
        cast(published_shinsei_nendo as bigint) as shinsei_nendo,
        cast(published_is_partial_period as boolean) as is_partial_period,
        cast(kekka as varchar) as kekka,
        cast(kekka_name as varchar) as kekka_name,
        cast(days_to_decision as bigint) as days_to_decision,
        cast(published_shuryo_nendo as bigint) as shuryo_nendo,
        cast(published_homen_shometsu_nendo as bigint) as homen_shometsu_nendo,
        cast(disclosure_level as bigint) as disclosure_level
    from disclosed
)

select * from final
