{#- Restricted. One row per person and day whose record someone looked at without an
    explanation: how many members of staff did so with a brief look. Many unexplained viewers of
    one person on one day is the pattern of a person in the news; the access audit judges the
    count against the city's own distribution of viewers per person and day. -#}
with context as (
    select * from {{ ref('int_audit__access_context') }}
    where has_subject
),

viewer_days as (
    select
        atena_no,
        access_date,
        staff_id,
        bool_and(not is_explained) as is_unexplained,
        bool_and(is_brief_look) as is_brief_look
    from context
    group by atena_no, access_date, staff_id
),

final as (
    select
        atena_no,
        access_date,
        count(*) as viewers,
        sum(case when is_unexplained and is_brief_look then 1 else 0 end) as unexplained_viewers
    from viewer_days
    group by atena_no, access_date
)

select * from final
