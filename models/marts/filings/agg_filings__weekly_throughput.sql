{#- Weekly throughput for dashboards: filings received, forwarded (進達) and resulted (final JPS
    result) per week, office × filing type with office and type totals; person counts below
    var('suppression_threshold') suppressed with complementary suppression (suppress_crosstab). -#}

with

lifecycle as (
    select * from {{ ref('int_filings__lifecycle') }}
),

units as (
    select
        'received' as flow,
        received_week as week_start,
        coalesce(office_code, 'unknown') as office_code,
        coalesce(todokede_shubetsu, 'unknown') as todokede_shubetsu,
        coalesce(atena_no, uketsuke_no) as person_key
    from lifecycle
    union all
    select
        'forwarded' as flow,
        forwarded_week as week_start,
        coalesce(office_code, 'unknown') as office_code,
        coalesce(todokede_shubetsu, 'unknown') as todokede_shubetsu,
        coalesce(atena_no, uketsuke_no) as person_key
    from lifecycle
    where shintatsu_date is not null
    union all
    select
        'resulted' as flow,
        result_week as week_start,
        coalesce(office_code, 'unknown') as office_code,
        coalesce(todokede_shubetsu, 'unknown') as todokede_shubetsu,
        coalesce(atena_no, uketsuke_no) as person_key
    from lifecycle
    where has_final_result
),

suppressed as (
    {{ suppress_crosstab('units', ['flow', 'week_start'], 'office_code', 'todokede_shubetsu', 'person_key') }}
),

final as (
    select
        cast(flow as varchar) as flow,
        week_start,
        cast(row_value as varchar) as office_code,
        cast(column_value as varchar) as todokede_shubetsu,
        cast(grouping_level as varchar) as grouping_level,
        cast(published_count as bigint) as filings,
        is_suppressed
    from suppressed
)

select * from final
