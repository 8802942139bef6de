{#- The share of access-log lines for which an explanation was found, by office and day: how
    much of each office's work the audit can explain from the city's own data (which templates
    this city keeps: agg_access__explanation_templates). Lines without a subject (list
    searches, prints, batches) are counted apart: they open no person's record. -#}
with context as (
    select * from {{ ref('int_audit__access_context') }}
),

final as (
    select
        cast(access_date as date) as access_date,
        cast(dept_code as varchar) as dept_code,
        cast(count(*) as bigint) as log_lines,
        cast(sum(case when has_subject then 1 else 0 end) as bigint) as subject_lines,
        cast(sum(case when is_explained then 1 else 0 end) as bigint) as explained_lines,
        cast(
            sum(case when is_explained then 1 else 0 end)
            / nullif(cast(sum(case when has_subject then 1 else 0 end) as double precision), 0)
            as float8
        ) as explained_share
    from context
    group by access_date, dept_code
)

select * from final
