-- Quarantined rows for the dashboards' data-quality page: how many rows of which delivered file
-- were rejected and why (the reason codes only; never the rows or their keys).

with

quarantine as (
    select
        extract,
        _file_name,
        reject_reason
    from {{ ref('quarantine_rows') }}
),

final as (
    select
        extract,
        _file_name as file_name,
        reject_reason,
        count(*) as quarantined_rows
    from quarantine
    group by extract, _file_name, reject_reason
)

select * from final
