{#- Restricted, small. When each office opens persons' records: per department (as logged),
    kind of day (working day or not) and hour, the share of the office's person-record lines
    over the loaded log. The access audit judges the hour of a look against the office's own
    practice (an office that works until 20:00, 休日開庁 on some Sundays) instead of fixed
    opening hours. -#}
with lines as (
    select
        log.dept_code,
        coalesce(calendar.is_working_day, extract(isodow from log.access_date) <= 5) as is_working_day,
        cast(extract(hour from log.accessed_at) as integer) as access_hour
    from {{ ref('stg_kiban__access_log') }} as log
    left join {{ ref('int_calendar__dates') }} as calendar
        on log.access_date = calendar.date_day
    where log.atena_no is not null
),

cells as (
    select
        dept_code,
        is_working_day,
        access_hour,
        count(*) as subject_lines
    from lines
    group by dept_code, is_working_day, access_hour
),

final as (
    select
        dept_code,
        is_working_day,
        access_hour,
        subject_lines,
        cast(subject_lines as double precision)
        / sum(subject_lines) over (partition by dept_code) as office_share
    from cells
)

select * from final
