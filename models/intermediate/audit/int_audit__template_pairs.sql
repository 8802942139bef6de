{#- Restricted. The (member of staff, subject) pairs on which the explanation templates are
    evaluated: every access-log line that opened a person's record ('real'), plus a shuffled
    control sample ('shuffled'): a 1-in-16 sample of those lines (by md5 of log_id), each
    member paired with a person drawn from the whole 宛名 population instead of the subject
    looked at. A template that holds for real pairs much more often than for random subjects
    explains accesses; one that holds as often for a random subject (e.g. "the subject lives
    in the city") explains nothing (Fabbri & LeFevre, explanation-based auditing).
    A template reads of a pair only its member, office, day, subject and whether it lies in
    the member's work-list session of that day (after the first list search,
    int_audit__list_sessions), so the pairs are counted by those: one row per pair kind and
    those columns, pair_count and sampled_pair_count saying how many pairs it stands for (7.6M
    rows for 25M pairs at city scale). A view, read once by int_audit__template_hits. -#}
{{ config(materialized='view') }}

with list_sessions as (
    select * from {{ ref('int_audit__list_sessions') }}
),

lines as (
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

pairs as (
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
),

final as (
    select
        pairs.pair_kind,
        pairs.staff_id,
        pairs.dept_code,
        pairs.access_date,
        pairs.atena_no,
        {{ audit_is_in_list_session('pairs.accessed_at', 'list_sessions.first_list_search_at') }}
            as is_in_list_session,
        count(*) as pair_count,
        count(case when pairs.is_sampled then 1 end) as sampled_pair_count
    from pairs
    left join list_sessions
        on pairs.staff_id = list_sessions.staff_id
            and pairs.access_date = list_sessions.access_date
    group by
        pairs.pair_kind,
        pairs.staff_id,
        pairs.dept_code,
        pairs.access_date,
        pairs.atena_no,
        {{ audit_is_in_list_session('pairs.accessed_at', 'list_sessions.first_list_search_at') }}
)

select * from final
