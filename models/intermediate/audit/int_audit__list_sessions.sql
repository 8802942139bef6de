{#- Restricted, small. Each member's first list search (一覧検索 without a subject) of each day: a
    work-list session starts there. Read by int_audit__template_pairs (the pairs) and
    int_audit__access_context (the lines), so that both split a member's day at the same time. -#}
with log as (
    select * from {{ ref('stg_kiban__access_log') }}
),

operations as (
    select * from {{ ref('code_operations') }}
),

final as (
    select
        log.staff_id,
        log.access_date,
        min(log.accessed_at) as first_list_search_at
    from log
    inner join operations
        on log.operation = operations.operation
    where operations.is_list_search and log.atena_no is null
    group by log.staff_id, log.access_date
)

select * from final
