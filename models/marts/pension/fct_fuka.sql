{#- 付加保険料 enrolments, one row per enrolment (基礎年金番号 × 加入日) in its current state. The
    person is the 付加 area's pseudonym (domain 'fuka'), not joinable to any other area. 年度, not
    dates or months: 付加 ends at 60歳到達, the eve of a birthday. Each person's rows are published at
    the finest level that keeps their class at least k persons (macro person_disclosure_cascade):
    1 年度, 2 nothing, 3 the rows belong to no published person. -#}
{%- set k = var('k_anonymity_k') -%}
{%- set levels = [
    {'columns': {'kanyu_nendo': fiscal_year('kanyu_date'), 'dattai_nendo': fiscal_year('dattai_date')}},
    {'columns': {'kanyu_nendo': 'cast(null as bigint)', 'dattai_nendo': 'cast(null as bigint)'}},
] -%}
with fuka as (
    select * from {{ ref('stg_nenkin__fuka') }}
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
    where domain = 'fuka'
),

enrolments as (
    select
        domain_pids.domain_pid,
        fuka.kanyu_date,
        fuka.dattai_date
    from fuka
    inner join keys
        on fuka.kiso_nenkin_no = keys.kiso_nenkin_no
    inner join domain_pids
        on keys.person_pid = domain_pids.person_pid
),

{{ person_disclosure_cascade('enrolments', 'domain_pid', levels, k, [], 'disclosed') }},

final as (
    select
        cast(published_domain_pid as varchar) as person_pid,
        cast(published_kanyu_nendo as bigint) as kanyu_nendo,
        cast(published_dattai_nendo as bigint) as dattai_nendo,
        cast(dattai_date is null as boolean) as is_active,
        cast(disclosure_level as bigint) as disclosure_level
    from disclosed
)

select * from final
