{#- The calendar: one row per day from 1961-04-01 (国民年金 starts) to the end of the fiscal year
    after the reference date's. Japanese national holidays per 国民の祝日に関する法律 (rules as
    amended to 2021, incl. 振替休日 and 国民の休日, the 2019 enthronement days and the 2020/2021
    Olympic moves); before 2000 the fixed-date rules of the time are applied, without one-off
    holidays other than 1989-02-24, 1990-11-12 and 1993-06-09. City offices are closed 12/29–1/3. -#}
{#- Equinox days (春分・秋分), the standard approximation valid 1900–2099. -#}
{%- set drift = "0.242194 * (y - 1980) - floor((y - 1980) / 4.0)" -%}
{%- set spring = "cast(floor(case when y >= 1980 then 20.8431 else 20.8357 end + " ~ drift ~ ") as integer)" -%}
{%- set autumn = "cast(floor(case when y >= 1980 then 23.2488 else 23.2588 end + " ~ drift ~ ") as integer)" -%}
with reference as (
    select reference_date from {{ ref('int_persons__reference_date') }}
),

bounds as (
    select
        cast('1961-04-01' as date) as first_day,
        make_date(
            cast(extract(year from reference_date) as integer)
            + case when extract(month from reference_date) >= 4 then 2 else 1 end,
            3,
            31
        ) as last_day
    from reference
),

days as (
    select cast(series.day_ts as date) as date_day
    from bounds
    cross join generate_series(
        cast(bounds.first_day as timestamp), cast(bounds.last_day as timestamp), interval '1 day'
    ) as series (day_ts)
),

parts as (
    select
        date_day,
        cast(extract(year from date_day) as integer) as y,
        cast(extract(month from date_day) as integer) as m,
        cast(extract(day from date_day) as integer) as d,
        cast(extract(isodow from date_day) as integer) as dow,
        cast(floor((extract(day from date_day) - 1) / 7.0) as integer) + 1 as nth
    from days
),

base_holidays as (
    select
        *,
        (
            (m = 1 and d = 1)
            or (m = 1 and ((y >= 2000 and dow = 1 and nth = 2) or (y < 2000 and d = 15)))
            or (m = 2 and d = 11 and y >= 1967)
            or (m = 2 and d = 23 and y >= 2020)
            or (m = 12 and d = 23 and y between 1989 and 2018)
            or (m = 3 and d = {{ spring }})
            or (m = 4 and d = 29)
            or (m = 5 and d in (3, 5))
            or (m = 5 and d = 4 and y >= 2007)
            or (m = 7 and y >= 2003 and y not in (2020, 2021) and dow = 1 and nth = 3)
            or (m = 7 and y between 1996 and 2002 and d = 20)
            or (m = 8 and y >= 2016 and y not in (2020, 2021) and d = 11)
            or (m = 9 and y >= 2003 and dow = 1 and nth = 3)
            or (m = 9 and y between 1966 and 2002 and d = 15)
            or (m = 9 and d = {{ autumn }})
            or (m = 10 and y >= 2000 and y not in (2020, 2021) and dow = 1 and nth = 2)
            or (m = 10 and y between 1966 and 1999 and d = 10)
            or (m = 11 and d in (3, 23))
            or date_day in (
                -- one-off days and the 2020/2021 moves (海の日, スポーツの日, 山の日)
                cast('1989-02-24' as date), cast('1990-11-12' as date),
                cast('1993-06-09' as date), cast('2019-05-01' as date),
                cast('2019-10-22' as date), cast('2020-07-23' as date),
                cast('2020-07-24' as date), cast('2020-08-10' as date),
                cast('2021-07-22' as date), cast('2021-07-23' as date),
                cast('2021-08-08' as date)
            )
        ) as is_base_holiday
    from parts
),

neighbours as (
    select
        *,
        coalesce(lag(is_base_holiday, 1) over (order by date_day), false) as prev1_holiday,
        lag(dow, 1) over (order by date_day) as prev1_dow,
        coalesce(lag(is_base_holiday, 2) over (order by date_day), false) as prev2_holiday,
        lag(dow, 2) over (order by date_day) as prev2_dow,
        coalesce(lag(is_base_holiday, 3) over (order by date_day), false) as prev3_holiday,
        lag(dow, 3) over (order by date_day) as prev3_dow,
        coalesce(lead(is_base_holiday, 1) over (order by date_day), false) as next1_holiday
    from base_holidays
),

holidays as (
    select
        *,
        -- 振替休日: the first non-holiday after a holiday on a Sunday (since 1973-04-12; from
        -- 2007 also after a run of holidays that started on a Sunday)
        (
            not is_base_holiday
            and date_day >= cast('1973-04-12' as date)
            and (
                (prev1_holiday and prev1_dow = 7)
                or (y >= 2007 and prev1_holiday and prev2_holiday and prev2_dow = 7)
                or (
                    y >= 2007 and prev1_holiday and prev2_holiday and prev3_holiday
                    and prev3_dow = 7
                )
            )
        ) as is_substitute_holiday,
        -- 国民の休日: a weekday between two holidays (since 1985-12-27)
        (
            not is_base_holiday
            and date_day >= cast('1985-12-27' as date)
            and dow <> 7
            and prev1_holiday
            and next1_holiday
        ) as is_citizens_holiday
    from neighbours
),

final as (
    select
        date_day,
        cast(y as bigint) as calendar_year,
        cast(m as bigint) as calendar_month,
        cast(d as bigint) as day_of_month,
        cast(date_day - (dow - 1) as date) as week_start,
        cast(extract(isoyear from date_day) as bigint) as iso_year,
        cast(extract(week from date_day) as bigint) as iso_week,
        cast(dow as bigint) as iso_day_of_week,
        cast(make_date(y, m, 1) as date) as month_start,
        cast(case when m >= 4 then y else y - 1 end as bigint) as fiscal_year,
        cast(case when m >= 7 then y else y - 1 end as bigint) as exemption_year,
        dow >= 6 as is_weekend,
        (is_base_holiday or is_substitute_holiday or is_citizens_holiday) as is_national_holiday,
        ((m = 12 and d >= 29) or (m = 1 and d <= 3)) as is_year_end_closure,
        (
            dow <= 5
            and not (is_base_holiday or is_substitute_holiday or is_citizens_holiday)
            and not ((m = 12 and d >= 29) or (m = 1 and d <= 3))
        ) as is_working_day
    from holidays
)

select * from final
