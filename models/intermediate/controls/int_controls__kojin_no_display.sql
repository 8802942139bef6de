{#- Restricted. Control `kojin_no_display` (PIA III-3): one row per access-log line that
    displays a 個人番号 (code_operations.shows_individual_number), with whether the account had the right on that day
    (int_audit__access_context.may_display_kojin_no, from the day's staff snapshot). -#}
with control as (
    select control_code
    from {{ ref('control_catalogue') }}
    where control_code = 'kojin_no_display'
),

displays as (
    select
        log_id,
        accessed_at,
        access_date,
        staff_id,
        staff_role,
        may_display_kojin_no
    from {{ ref('int_audit__access_context') }}
    where operation in (
            select number_display.operation
            from {{ ref('code_operations') }} as number_display
            where number_display.shows_individual_number
        )
),

final as (
    select
        control.control_code,
        cast(date_trunc('month', displays.access_date) as date) as period_month,
        displays.log_id as item_id,
        displays.access_date as item_date,
        not displays.may_display_kojin_no as is_exception,
        case when displays.may_display_kojin_no then 'with_right' else 'display_without_right' end
            as rule_code,
        displays.staff_id,
        displays.log_id,
        cast(null as varchar) as record_id,
        cast(case when displays.may_display_kojin_no then 0 else 1 end as double precision)
            as measure_numerator,
        cast(null as double precision) as measure_denominator,
        cast(null as integer) as days_value,
        cast(1 as bigint) as line_count,
        '個人番号表示 ' || cast(displays.accessed_at as varchar) || '（役割 '
        || coalesce(displays.staff_role, '不明') || '、表示権限 '
        || case when displays.may_display_kojin_no then 'あり' else 'なし' end || '）' as detail_ja
    from displays
    cross join control
)

select * from final
