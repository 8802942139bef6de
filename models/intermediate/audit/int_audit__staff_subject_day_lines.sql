{#- Restricted (a view: read once, by int_audit__access_context). One row per member of staff,
    day and person looked at: the member's lines on that person that day (a brief look is a
    few). -#}
{{ config(materialized='view') }}

with lines as (
    select
        staff_id,
        access_date,
        atena_no
    from {{ ref('stg_kiban__access_log') }}
    where atena_no is not null
),

final as (
    select
        staff_id,
        access_date,
        atena_no,
        count(*) as subject_lines
    from lines
    group by staff_id, access_date, atena_no
)

select * from final
