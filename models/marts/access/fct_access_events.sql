{#- One row per access-log line (端末操作ログ): who (staff_id), when, from where, why (処理事由),
    what (operation, screen) and whose record — the subject as a person pseudonym. The subject's
    4情報 shown on screen stay in the restricted layer. The relations to the member and the
    explanation come from the access audit's context (int_audit__access_context), the one
    definition of own record and own household (世帯番号 at the time of access) that
    fct_access_flags uses too. -#}
with context as (
    select * from {{ ref('int_audit__access_context') }}
),

subjects as (
    select * from {{ ref('int_audit__subject_pseudonyms') }}
),

final as (
    select
        cast(context.log_id as varchar) as log_id,
        cast(context.accessed_at as timestamp) as accessed_at,
        cast(context.access_date as date) as access_date,
        cast(context.access_hour as bigint) as access_hour,
        cast(context.staff_id as varchar) as staff_id,
        cast(context.dept_code as varchar) as dept_code,
        cast(context.terminal_id as varchar) as terminal_id,
        cast(context.shori_jiyu as varchar) as shori_jiyu,
        cast(context.operation as varchar) as operation,  -- noqa: RF04
        cast(context.screen_id as varchar) as screen_id,
        cast(subject.subject_pid as varchar) as subject_pid,
        cast(context.hit_count as bigint) as hit_count,
        cast(context.is_own_record as boolean) as is_own_record,
        cast(context.is_own_household as boolean) as is_own_household,
        cast(context.explanation as varchar) as explanation
    from context
    left join subjects as subject
        on context.atena_no = subject.atena_no
)

select * from final
