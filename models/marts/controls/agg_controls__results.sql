-- One row per dbt-evaluated control and month, from the control's first month with an item to
-- the reference date's month: the items judged, the exceptions, the month's measure and its
-- state against the threshold (control_catalogue). A month with no item of a count control is
-- ok (nothing to breach); a share with nothing to divide by is no_data. A control without any
-- item has one row, for the reference month.

with evidence as (
    select * from {{ ref('int_controls__evidence') }}
),

controls as (
    select
        control_code,
        threshold_value,
        threshold_rule
    from {{ ref('control_catalogue') }}
    where evaluated_in = 'dbt'
),

reference as (
    select cast(date_trunc('month', reference_date) as date) as reference_month
    from {{ ref('int_persons__reference_date') }}
),

months as (
    select distinct month_start as period_month
    from {{ ref('int_calendar__dates') }}
),

control_span as (
    select
        controls.control_code,
        min(evidence.period_month) as first_month,
        coalesce(bool_or(evidence.measure_denominator is not null), false) as is_share
    from controls
    left join evidence
        on controls.control_code = evidence.control_code
    group by controls.control_code
),

grid as (
    select
        control_span.control_code,
        control_span.is_share,
        months.period_month
    from control_span
    cross join reference
    inner join months
        on months.period_month between
            -- a control with no item yet (no departure, no check-digit failure) starts, and is
            -- judged, in the reference month
            coalesce(control_span.first_month, reference.reference_month)
            and reference.reference_month
),

monthly as (
    select
        grid.control_code,
        grid.period_month,
        grid.is_share,
        count(evidence.item_id) as items_judged,
        sum(case when evidence.is_exception then 1 else 0 end) as items_exception,
        sum(evidence.measure_numerator) as numerator,
        sum(evidence.measure_denominator) as denominator
    from grid
    left join evidence
        on grid.control_code = evidence.control_code
            and grid.period_month = evidence.period_month
    group by grid.control_code, grid.period_month, grid.is_share
),

measured as (
    select
        monthly.control_code,
        monthly.period_month,
        monthly.items_judged,
        coalesce(monthly.items_exception, 0) as items_exception,
        case
            when monthly.is_share then monthly.numerator / nullif(monthly.denominator, 0)
            else coalesce(monthly.numerator, 0)
        end as measure_value,
        controls.threshold_value,
        controls.threshold_rule
    from monthly
    inner join controls
        on monthly.control_code = controls.control_code
),

final as (
    select
        cast(control_code as varchar) as control_code,
        cast(period_month as date) as period_month,
        cast(items_judged as bigint) as items_judged,
        cast(items_exception as bigint) as items_exception,
        cast(measure_value as double precision) as measure_value,
        cast(threshold_value as double precision) as threshold_value,
        cast(
            case
                when measure_value is null then 'no_data'
                when threshold_rule = 'max' and measure_value <= threshold_value then 'ok'
                when threshold_rule = 'min' and measure_value >= threshold_value then 'ok'
                else 'exception'
            end as varchar
        ) as state
    from measured
)

select * from final
