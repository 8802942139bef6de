{{ config(group="nenkin_warehouse") }}
{#- int_audit__template_hits counts the pairs it judges: its real rows stand for every access-log
    line that opened a person's record, each once (a row lost or doubled by the grouping would
    change every template's support). One row when the counts differ. -#}
with hits as (
    select coalesce(sum(pair_count), 0) as counted_lines
    from {{ ref('int_audit__template_hits') }}
    where pair_kind = 'real'
),

person_lines as (
    select count(*) as logged_lines
    from {{ ref('stg_kiban__access_log') }}
    where atena_no is not null
)

select
    hits.counted_lines,
    person_lines.logged_lines
from hits
cross join person_lines
where hits.counted_lines <> person_lines.logged_lines
