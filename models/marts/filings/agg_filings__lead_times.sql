{#- Lead times for dashboards: median and p90 days of 受付→進達 (received_to_forwarded, by the
    month forwarded) and 進達→結果 (forwarded_to_result, by the month the final result list
    arrived), office × filing type with totals. The count is suppressed below
    var('suppression_threshold') persons with complementary suppression; the quantiles of a
    suppressed count are not published either. -#}

with

lifecycle as (
    select * from {{ ref('int_filings__lifecycle') }}
),

units as (
    select
        'received_to_forwarded' as lead_time,
        cast(date_trunc('month', shintatsu_date) as date) as period_month,
        coalesce(office_code, 'unknown') as office_code,
        coalesce(todokede_shubetsu, 'unknown') as todokede_shubetsu,
        coalesce(atena_no, uketsuke_no) as person_key,
        days_received_to_forwarded as lead_days
    from lifecycle
    where days_received_to_forwarded is not null
    union all
    select
        'forwarded_to_result' as lead_time,
        cast(date_trunc('month', final_result_date) as date) as period_month,
        coalesce(office_code, 'unknown') as office_code,
        coalesce(todokede_shubetsu, 'unknown') as todokede_shubetsu,
        coalesce(atena_no, uketsuke_no) as person_key,
        days_forwarded_to_result as lead_days
    from lifecycle
    where days_forwarded_to_result is not null
),

quantiles as (
    select
        lead_time,
        period_month,
        office_code,
        todokede_shubetsu,
        percentile_cont(0.5) within group (order by lead_days) as median_days,
        percentile_cont(0.9) within group (order by lead_days) as p90_days
    from units
    group by lead_time, period_month, office_code, todokede_shubetsu
    union all
    select
        lead_time,
        period_month,
        office_code,
        null as todokede_shubetsu,
        percentile_cont(0.5) within group (order by lead_days) as median_days,
        percentile_cont(0.9) within group (order by lead_days) as p90_days
    from units
    group by lead_time, period_month, office_code
    union all
    select
        lead_time,
        period_month,
        null as office_code,
        todokede_shubetsu,
        percentile_cont(0.5) within group (order by lead_days) as median_days,
        percentile_cont(0.9) within group (order by lead_days) as p90_days
    from units
    group by lead_time, period_month, todokede_shubetsu
    union all
    select
        lead_time,
        period_month,
        null as office_code,
        null as todokede_shubetsu,
        percentile_cont(0.5) within group (order by lead_days) as median_days,
        percentile_cont(0.9) within group (order by lead_days) as p90_days
    from units
    group by lead_time, period_month
),

suppressed as (
    {{ suppress_crosstab('units', ['lead_time', 'period_month'], 'office_code', 'todokede_shubetsu', 'person_key') }}
),

final as (
    select
        cast(s.lead_time as varchar) as lead_time,
        s.period_month,
        cast(s.row_value as varchar) as office_code,
        cast(s.column_value as varchar) as todokede_shubetsu,
        cast(s.grouping_level as varchar) as grouping_level,
        cast(s.published_count as bigint) as filings,
        s.is_suppressed,
        cast(case when not s.is_suppressed then q.median_days end as float8) as median_days,
        cast(case when not s.is_suppressed then q.p90_days end as float8) as p90_days
    from suppressed as s
    left join quantiles as q
        on s.lead_time = q.lead_time
            and s.period_month = q.period_month
            and coalesce(s.row_value, '~ALL') = coalesce(q.office_code, '~ALL')
            and coalesce(s.column_value, '~ALL') = coalesce(q.todokede_shubetsu, '~ALL')
)

select * from final
