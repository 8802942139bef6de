{#- Restricted. Control `provision_jps_weekly` (PIA II-5): one row per calendar week (Monday
    to Sunday) that has a working day, from the week of the first provision-ledger record to
    the last week that ended by the reference date, for each recipient whose approved frequency
    requires a weekly record (JPS: the weekly 進達), with that week's records. -#}
with control as (
    select control_code
    from {{ ref('control_catalogue') }}
    where control_code = 'provision_jps_weekly'
),

reference as (
    select reference_date from {{ ref('int_persons__reference_date') }}
),

weekly_recipients as (
    select distinct approved_provisions.recipient_code
    from {{ ref('approved_provisions') }} as approved_provisions
    inner join {{ ref('provision_frequencies') }} as provision_frequencies
        on approved_provisions.frequency = provision_frequencies.frequency
    where provision_frequencies.requires_weekly
),

ledger as (
    select
        recipient_code,
        record_id,
        cast(sent_at as date) as sent_date
    from {{ ref('stg_kiban__teikyo_iten') }}
),

bounds as (
    select min(sent_date) as first_date from ledger
),

weeks as (
    select
        calendar.week_start,
        min(calendar.date_day) as first_day,
        max(calendar.date_day) as last_day,
        sum(case when calendar.is_working_day then 1 else 0 end) as working_days
    from {{ ref('int_calendar__dates') }} as calendar
    cross join bounds
    cross join reference
    where
        calendar.week_start >= bounds.first_date - 6
        and calendar.week_start + 6 <= reference.reference_date
    group by calendar.week_start
),

week_records as (
    select
        weekly_recipients.recipient_code,
        weeks.week_start,
        weeks.working_days,
        count(ledger.record_id) as records,
        min(ledger.record_id) as first_record_id
    from weekly_recipients
    cross join weeks
    left join ledger
        on weekly_recipients.recipient_code = ledger.recipient_code
            and ledger.sent_date between weeks.first_day and weeks.last_day
    where weeks.working_days > 0
    group by weekly_recipients.recipient_code, weeks.week_start, weeks.working_days
),

final as (
    select
        control.control_code,
        cast(date_trunc('month', week_records.week_start) as date) as period_month,
        week_records.recipient_code || ':' || cast(week_records.week_start as varchar) as item_id,
        week_records.week_start as item_date,
        week_records.records = 0 as is_exception,
        case when week_records.records = 0 then 'missing_week' else 'week_with_record' end
            as rule_code,
        cast(null as varchar) as staff_id,
        cast(null as varchar) as log_id,
        week_records.first_record_id as record_id,
        cast(case when week_records.records = 0 then 1 else 0 end as double precision)
            as measure_numerator,
        cast(null as double precision) as measure_denominator,
        cast(week_records.working_days as integer) as days_value,
        cast(week_records.records as bigint) as line_count,
        week_records.recipient_code || ' ' || cast(week_records.week_start as varchar) || ' の週: 記録 '
        || cast(week_records.records as varchar) || '件（開庁日 '
        || cast(week_records.working_days as varchar) || '日）' as detail_ja
    from week_records
    cross join control
)

select * from final
