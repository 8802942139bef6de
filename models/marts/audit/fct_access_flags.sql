{#- One row per flagged access-log line (at least one misuse rule fired): who, when, what, the
    subject as a person pseudonym, the fired rule codes and the combined risk score. No
    identifier: the subject's 宛名番号 stays in the restricted context. -#}
with rules as (
    select * from {{ ref('int_audit__access_rules') }}
    where rule_count > 0
),

context as (
    select * from {{ ref('int_audit__access_context') }}
),

persons as (
    select
        atena_no,
        person_pid
    from {{ ref('int_identity__person_pseudonyms') }}
),

final as (
    select
        cast(rules.log_id as varchar) as log_id,
        cast(rules.staff_id as varchar) as staff_id,
        cast(context.accessed_at as timestamp) as accessed_at,
        cast(rules.access_date as date) as access_date,
        cast(rules.risk_score as float8) as risk_score,
        cast(rules.reasons as varchar) as reasons,
        cast(rules.rule_count as bigint) as rule_count,
        cast(context.dept_code as varchar) as dept_code,
        cast(context.terminal_id as varchar) as terminal_id,
        cast(context.staff_role as varchar) as staff_role,
        cast(context.shori_jiyu as varchar) as shori_jiyu,
        cast(context.operation as varchar) as operation,
        cast(context.screen_id as varchar) as screen_id,
        cast(subject.person_pid as varchar) as subject_pid,
        cast(context.hit_count as bigint) as hit_count,
        cast(context.has_business_event as boolean) as has_business_event,
        cast(context.nearest_event_days as bigint) as nearest_event_days,
        cast(context.is_working_day as boolean) as is_working_day,
        cast(context.is_office_hours as boolean) as is_office_hours,
        cast(context.staff_day_subjects as bigint) as staff_day_subjects,
        cast(context.staff_day_unexplained_single_views as bigint) as staff_day_unexplained_single_views,
        cast(context.staff_day_list_records as bigint) as staff_day_list_records
    from rules
    inner join context
        on rules.log_id = context.log_id
    left join persons as subject
        on context.atena_no = subject.atena_no
)

select * from final
