{#- The calendar is built once in int_calendar__dates (restricted layer, also used by the access
    audit); the public dimension publishes it under its contract. -#}
with calendar as (
    select * from {{ ref('int_calendar__dates') }}
),

final as (
    select
        date_day,
        calendar_year,
        calendar_month,
        day_of_month,
        week_start,
        iso_year,
        iso_week,
        iso_day_of_week,
        month_start,
        fiscal_year,
        exemption_year,
        is_weekend,
        is_national_holiday,
        is_year_end_closure,
        is_working_day
    from calendar
)

select * from final
