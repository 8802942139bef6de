{#- Restricted. Unexplained looks of one member at one person, per day, for the pairs that
    recur on at least two days: the raw material of slow series (an ex-partner looked up every
    week). The access audit counts the days in a trailing window per pair and judges them
    against the city's own distribution of such repeats, apart for persons inside and outside
    the office's area (a follow-up of a local case is common, of a stranger across the city
    not). -#}
with unexplained as (
    select
        staff_id,
        atena_no,
        access_date,
        count(*) as look_lines,
        bool_or(is_subject_out_of_area) as is_out_of_area
    from {{ ref('int_audit__access_context') }}
    where has_subject and not is_explained
    group by staff_id, atena_no, access_date
),

recurring as (
    select
        *,
        count(*) over (partition by staff_id, atena_no) as pair_days
    from unexplained
),

final as (
    select
        staff_id,
        atena_no,
        access_date,
        look_lines,
        is_out_of_area
    from recurring
    where pair_days >= 2
)

select * from final
