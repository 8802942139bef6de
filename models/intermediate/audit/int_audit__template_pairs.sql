{#- Restricted. The (member of staff, subject) pairs on which the explanation templates are
    evaluated: every access-log line that opened a person's record ('real'), plus a shuffled
    control sample ('shuffled'): a 1-in-16 sample of those lines (by md5 of log_id), each
    member paired with a person drawn from the whole 宛名 population instead of the subject
    looked at. A template that holds for real pairs much more often than for random subjects
    explains accesses; one that holds as often for a random subject (e.g. "the subject lives
    in the city") explains nothing (Fabbri & LeFevre, explanation-based auditing).
    A view, read once by int_audit__template_hits: writing its tens of millions of real pairs,
    a copy of the access log's columns, cost more than reading them again. -#}
{{ config(materialized='view') }}

with lines as (
    select
        log_id,
        staff_id,
        dept_code,
        access_date,
        accessed_at,
        atena_no
    from {{ ref('stg_kiban__access_log') }}
    where atena_no is not null
),

population_size as (
    select count(*) as persons
    from {{ ref('stg_atena__persons') }}
),

sampled as (
    -- the sample, each line with the position of its random person: a fixed stride through
    -- the population's pseudo-random order (computed here, so the join below is an equi-join)
    select
        lines.*,
        mod(
            row_number() over (order by md5(lines.log_id)) * 7919, population_size.persons
        ) + 1 as person_position
    from lines
    cross join population_size
    where substr(md5(lines.log_id), 1, 1) = '0'
),

population as (
    -- every person of the 宛名, in a fixed pseudo-random order
    select
        atena_no,
        row_number() over (order by md5(atena_no)) as person_position
    from {{ ref('stg_atena__persons') }}
),

shuffled as (
    -- each sampled member with a person drawn from the whole population
    select
        sampled.log_id,
        sampled.staff_id,
        sampled.dept_code,
        sampled.access_date,
        sampled.accessed_at,
        population.atena_no
    from sampled
    inner join population
        on sampled.person_position = population.person_position
),

final as (
    select
        log_id,
        'real' as pair_kind,
        substr(md5(log_id), 1, 1) = '0' as is_sampled,
        staff_id,
        dept_code,
        access_date,
        accessed_at,
        atena_no
    from lines
    union all
    select
        log_id,
        'shuffled' as pair_kind,
        true as is_sampled,
        staff_id,
        dept_code,
        access_date,
        accessed_at,
        atena_no
    from shuffled
)

select * from final
