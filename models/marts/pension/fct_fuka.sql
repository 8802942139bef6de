{#- 付加保険料 enrolments, one row per enrolment (基礎年金番号 × 加入日) in its current state.
    Months, not dates: 付加 ends at 60歳到達, the eve of a birthday. -#}
with fuka as (
    select * from {{ ref('stg_nenkin__fuka') }}
),

keys as (
    select
        kiso_nenkin_no,
        person_pid
    from {{ ref('int_identity__kiso_keys') }}
),

final as (
    select
        cast(keys.person_pid as varchar) as person_pid,
        cast(date_trunc('month', fuka.kanyu_date) as date) as kanyu_month,
        cast(date_trunc('month', fuka.dattai_date) as date) as dattai_month,
        cast(fuka.dattai_date is null as boolean) as is_active
    from fuka
    inner join keys
        on fuka.kiso_nenkin_no = keys.kiso_nenkin_no
)

select * from final
