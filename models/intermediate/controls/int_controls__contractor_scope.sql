{#- Restricted. Control `contractor_scope` (PIA III-4): one row per access-log line of a
    contractor (委託) account (int_audit__access_context.is_contractor), within scope when a row
    of approved_contractor_functions allows its 処理事由, operation, person record and hour. -#}
with control as (
    select control_code
    from {{ ref('control_catalogue') }}
    where control_code = 'contractor_scope'
),

contractor_lines as (
    select
        log_id,
        accessed_at,
        access_date,
        access_hour,
        staff_id,
        shori_jiyu,
        operation,
        has_subject
    from {{ ref('int_audit__access_context') }}
    where is_contractor
),

allowed as (
    select
        shori_jiyu,
        operation,
        may_open_person,
        hour_from,
        hour_to
    from {{ ref('approved_contractor_functions') }}
),

matches as (
    -- per line: is there a permission for its function, and one for its function and hour
    select
        contractor_lines.log_id,
        count(allowed.operation) > 0 as function_allowed,
        coalesce(
            bool_or(
                allowed.hour_from <= contractor_lines.access_hour
                and contractor_lines.access_hour < allowed.hour_to
            ),
            false
        ) as hour_allowed
    from contractor_lines
    left join allowed
        on contractor_lines.shori_jiyu = allowed.shori_jiyu
            and contractor_lines.operation = allowed.operation
            and (not contractor_lines.has_subject or allowed.may_open_person)
    group by contractor_lines.log_id
),

final as (
    select
        control.control_code,
        cast(date_trunc('month', contractor_lines.access_date) as date) as period_month,
        contractor_lines.log_id as item_id,
        contractor_lines.access_date as item_date,
        (not matches.function_allowed or not matches.hour_allowed) as is_exception,
        case
            when not matches.function_allowed then 'function_not_allowed'
            when not matches.hour_allowed then 'hour_not_allowed'
            else 'within_scope'
        end as rule_code,
        contractor_lines.staff_id,
        contractor_lines.log_id,
        cast(null as varchar) as record_id,
        cast(case when matches.function_allowed and matches.hour_allowed then 0 else 1 end as double precision)
            as measure_numerator,
        cast(null as double precision) as measure_denominator,
        cast(null as integer) as days_value,
        cast(1 as bigint) as line_count,
        '委託先の操作 ' || cast(contractor_lines.accessed_at as varchar) || '（処理事由 '
        || coalesce(contractor_lines.shori_jiyu, '不明') || '、操作 '
        || coalesce(contractor_lines.operation, '不明')
        || case when contractor_lines.has_subject then '、個人の記録' else '' end || '）' as detail_ja
    from contractor_lines
    inner join matches
        on contractor_lines.log_id = matches.log_id
    cross join control
)

select * from final
